export { createAzureOpenAiProvider, zeroUsage } from './provider';
export {
  readAzureOpenAiSettings,
  ModelConfigurationError,
  defaultApiVersion,
  type AzureOpenAiSettings,
} from './settings';
export { ContentFilteredError, ModelOutputError, ModelRefusalError, TruncatedOutputError } from './errors';
export { ModelServiceError, PromptFilteredError } from './transport';
export { renderPrompt, tokensOf, trimToBudget } from './prompt';
export { responseFormatFor, dropNullOptionals } from './jsonSchema';
export { defaultPrices, estimateCost, parsePriceTable, priceOf } from './prices';
export { ArtifactResponseCache, tenantCacheRun } from './cache';
