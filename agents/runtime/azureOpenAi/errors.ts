import { ModelCallError } from '../executeAgent';

/** The model declined to answer (`message.refusal`). */
export class ModelRefusalError extends ModelCallError {
  override name = 'ModelRefusalError';
}

/** The answer was stopped by the Azure OpenAI content filter (`finish_reason: content_filter`). */
export class ContentFilteredError extends ModelCallError {
  override name = 'ContentFilteredError';
}

/** The answer hit the completion token limit (`finish_reason: length`), so its JSON is incomplete. */
export class TruncatedOutputError extends ModelCallError {
  override name = 'TruncatedOutputError';
}

/** The answers did not match the agent's output schema, retries included. */
export class ModelOutputError extends ModelCallError {
  override name = 'ModelOutputError';
}
