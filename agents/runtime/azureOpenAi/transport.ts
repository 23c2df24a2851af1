import { createHash } from 'node:crypto';
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import type * as OpenAi from 'openai';
import type { APIError, AzureOpenAI } from 'openai';
import { lazyModule } from '../../../platform/lazyModule';
import type { ChatMessage } from './prompt';
import type { ResponseFormat } from './jsonSchema';
import type { AzureOpenAiSettings } from './settings';

export const cognitiveServicesScope = 'https://cognitiveservices.azure.com/.default';

export interface ChatRequest {
  deployment: string;
  messages: ChatMessage[];
  format: ResponseFormat;
}

export interface ChatReply {
  content: string | null;
  refusal: string | null;
  finishReason: string;
  usage: { promptTokens: number; completionTokens: number; cachedTokens: number };
  /** How many HTTP attempts the call took (1 without retries). */
  attempts: number;
}

/** The service kept failing (rate limit, server error, connection) after the bounded retries. */
export class ModelServiceError extends Error {
  override name = 'ModelServiceError';
}

/** The prompt itself was blocked by the content filter (HTTP 400, code content_filter). */
export class PromptFilteredError extends Error {
  override name = 'PromptFilteredError';
}

/** A counting semaphore: at most `size` holders at once, the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(readonly size: number) {}

  async use<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active--;
    }
  }
}

// Process-wide: every activity invocation in this worker shares the clients and the per-deployment limits,
// which is what keeps a parallel fan-out under the deployment's rate limit.
/** The OpenAI library (150 modules), loaded when a model is first called. */
const openai = lazyModule<typeof OpenAi>(() => require('openai'));

const clients = new Map<string, AzureOpenAI>();
const semaphores = new Map<string, Semaphore>();

function clientFor(settings: AzureOpenAiSettings): AzureOpenAI {
  const auth = settings.apiKey
    ? `key:${createHash('sha256').update(settings.apiKey).digest('hex')}`
    : 'entra';
  const key = `${settings.endpoint}|${settings.apiVersion}|${auth}|${settings.timeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    const common = {
      endpoint: settings.endpoint,
      apiVersion: settings.apiVersion,
      timeout: settings.timeoutMs,
      maxRetries: 0,
    };
    // Retries are ours (bounded, honouring retry-after); the client's own are off so they do not multiply.
    client = settings.apiKey
      ? new openai.AzureOpenAI({ ...common, apiKey: settings.apiKey })
      : new openai.AzureOpenAI({
          ...common,
          azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), cognitiveServicesScope),
        });
    clients.set(key, client);
  }
  return client;
}

function semaphoreFor(settings: AzureOpenAiSettings, deployment: string): Semaphore {
  const key = `${settings.endpoint}|${deployment}`;
  let semaphore = semaphores.get(key);
  if (!semaphore || semaphore.size !== settings.maxConcurrency) {
    semaphore = new Semaphore(settings.maxConcurrency);
    semaphores.set(key, semaphore);
  }
  return semaphore;
}

/** A header's value, or undefined when it is absent or blank (a blank value asks for nothing). */
function header(headers: Headers | undefined, name: string): string | undefined {
  const value = headers?.get(name)?.trim();
  return value ? value : undefined;
}

// Every HTTP date format starts with the day's name; Date.parse alone would read "-1" as a year.
const httpDateStart = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)/;

/**
 * How long the service asked us to wait: `retry-after-ms` (what Azure OpenAI sends with a 429), else
 * `retry-after` in seconds or as an HTTP date (read against `now`). Unreadable values ask for nothing.
 */
function retryAfterMs(headers: Headers | undefined, now: number): number | undefined {
  const ms = Number(header(headers, 'retry-after-ms'));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const raw = header(headers, 'retry-after');
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = httpDateStart.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function retryable(error: unknown): boolean {
  if (error instanceof openai.APIError && error.status !== undefined) {
    return error.status === 408 || error.status === 409 || error.status === 429 || error.status >= 500;
  }
  return error instanceof openai.APIConnectionError;
}

export interface TransportOptions {
  sleep?: (ms: number) => Promise<void>;
  /** The jitter source, in [0, 1). */
  random?: () => number;
  /** The clock a `retry-after` HTTP date is read against, in epoch milliseconds. */
  now?: () => number;
}

/**
 * One chat completion with structured output: waits for a slot of the deployment's semaphore, then retries
 * 408/409/429/5xx and connection failures up to `maxRetries` times with exponential backoff (1 s, 2 s, 4 s ...
 * with jitter), or exactly as long as `retry-after-ms`/`retry-after` ask, never longer than `maxRetryDelayMs`.
 */
export async function completeChat(
  settings: AzureOpenAiSettings,
  request: ChatRequest,
  options: TransportOptions = {},
): Promise<ChatReply> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const client = clientFor(settings);
  return semaphoreFor(settings, request.deployment).use(async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        const completion = await client.chat.completions.create({
          model: request.deployment,
          messages: request.messages,
          response_format: {
            type: 'json_schema',
            json_schema: {
              name: request.format.name,
              strict: request.format.strict,
              schema: request.format.schema,
            },
          },
          max_completion_tokens: settings.maxCompletionTokens,
          ...(settings.temperature !== undefined ? { temperature: settings.temperature } : {}),
        });
        const choice = completion.choices?.[0];
        if (!choice)
          throw new ModelServiceError(`deployment ${request.deployment} answered without a choice`);
        const usage = completion.usage;
        return {
          content: choice.message?.content ?? null,
          refusal: choice.message?.refusal ?? null,
          finishReason: choice.finish_reason ?? 'unknown',
          usage: {
            promptTokens: usage?.prompt_tokens ?? 0,
            completionTokens: usage?.completion_tokens ?? 0,
            cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
          },
          attempts: attempt,
        };
      } catch (error) {
        if (
          error instanceof openai.APIError &&
          error.status === 400 &&
          (error.code === 'content_filter' ||
            /content.?filter|ResponsibleAIPolicyViolation/i.test(error.message))
        ) {
          throw new PromptFilteredError(
            `deployment ${request.deployment}: the prompt was blocked by the Azure OpenAI content filter: ${error.message}`,
          );
        }
        if (!retryable(error) || attempt > settings.maxRetries) {
          if (!retryable(error)) throw error;
          // A connection failure is an APIError too, without a status: its message says what failed.
          const status =
            error instanceof openai.APIConnectionError ? error.message : `HTTP ${(error as APIError).status}`;
          throw new ModelServiceError(
            `deployment ${request.deployment} still failing after ${attempt} attempt(s) (${status}); AZURE_OPENAI_MAX_RETRIES is ${settings.maxRetries}`,
          );
        }
        const asked = error instanceof openai.APIError ? retryAfterMs(error.headers, now()) : undefined;
        const backoff = 1000 * 2 ** (attempt - 1) * (1 - random() * 0.25);
        await sleep(Math.min(asked ?? backoff, settings.maxRetryDelayMs));
      }
    }
  });
}
