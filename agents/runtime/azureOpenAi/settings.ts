import type { ModelDeployment } from '../../../core/agent';
import { defaultPrices, parsePriceTable, type PriceTable } from './prices';

/**
 * The dated API version this provider is written against: chat completions with `response_format: json_schema`
 * and `max_completion_tokens` for the GPT-5 series (reasoning models), which the Bicep deploys by default.
 */
export const defaultApiVersion = '2025-04-01-preview';

export type CacheScope = 'tenant' | 'run' | 'off';

/** Everything the Azure OpenAI provider reads from app settings, validated once. */
export interface AzureOpenAiSettings {
  endpoint: string;
  apiVersion: string;
  /** Present only for local experiments and the offline fake; in Azure the managed identity is used. */
  apiKey?: string;
  /** The deployment name behind each `ModelDeployment` an agent declares. */
  deployments: Record<ModelDeployment, string>;
  maxPromptTokens: number;
  maxCompletionTokens: number;
  maxConcurrency: number;
  maxRetries: number;
  maxRetryDelayMs: number;
  schemaRetries: number;
  timeoutMs: number;
  temperature?: number;
  cache: CacheScope;
  prices: PriceTable;
}

export class ModelConfigurationError extends Error {
  override name = 'ModelConfigurationError';
}

const settingNames = {
  endpoint: 'AZURE_OPENAI_ENDPOINT',
  simple: 'AZURE_OPENAI_DEPLOYMENT_SIMPLE',
  code: 'AZURE_OPENAI_DEPLOYMENT_CODE',
} as const;

function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
    return fallback;
  }
  return value;
}

/**
 * Reads and validates the provider's settings. Every problem is reported at once, so a person fixes the
 * configuration in one go; nothing falls back to another provider.
 */
export function readAzureOpenAiSettings(env: NodeJS.ProcessEnv = process.env): AzureOpenAiSettings {
  const problems: string[] = [];
  const endpoint = env[settingNames.endpoint]?.trim() ?? '';
  if (!endpoint)
    problems.push(`${settingNames.endpoint} is not set (e.g. https://<resource>.openai.azure.com/)`);
  else {
    try {
      const url = new URL(endpoint);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('scheme');
    } catch {
      problems.push(`${settingNames.endpoint} must be an http(s) URL (got ${JSON.stringify(endpoint)})`);
    }
  }
  const deployment = (name: string) => {
    const value = env[name]?.trim() ?? '';
    if (!value) problems.push(`${name} is not set (the name of an Azure OpenAI model deployment)`);
    else if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value))
      problems.push(`${name} is not a valid deployment name (got ${JSON.stringify(value)})`);
    return value;
  };
  const simple = deployment(settingNames.simple);
  const code = deployment(settingNames.code);
  const apiVersion = env.AZURE_OPENAI_API_VERSION?.trim() || defaultApiVersion;
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) {
    problems.push(
      `AZURE_OPENAI_API_VERSION must look like 2024-10-21 or 2025-01-01-preview (got ${JSON.stringify(apiVersion)})`,
    );
  }
  const cache = (env.AZURE_OPENAI_CACHE?.trim() || 'tenant') as CacheScope;
  if (!['tenant', 'run', 'off'].includes(cache))
    problems.push(`AZURE_OPENAI_CACHE must be tenant, run or off (got ${JSON.stringify(cache)})`);
  let temperature: number | undefined;
  if (env.AZURE_OPENAI_TEMPERATURE?.trim()) {
    temperature = Number(env.AZURE_OPENAI_TEMPERATURE);
    if (!Number.isFinite(temperature) || temperature < 0 || temperature > 2) {
      problems.push(
        `AZURE_OPENAI_TEMPERATURE must be a number from 0 to 2 (got ${JSON.stringify(env.AZURE_OPENAI_TEMPERATURE)})`,
      );
    }
  }
  let prices: PriceTable = defaultPrices;
  try {
    prices = parsePriceTable(env.FACTORY_MODEL_PRICES);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const settings: AzureOpenAiSettings = {
    endpoint,
    apiVersion,
    apiKey: env.AZURE_OPENAI_API_KEY?.trim() || undefined,
    deployments: { simple, code },
    maxPromptTokens: integer(env, 'AZURE_OPENAI_MAX_PROMPT_TOKENS', 48_000, 1_000, 1_000_000, problems),
    maxCompletionTokens: integer(env, 'AZURE_OPENAI_MAX_COMPLETION_TOKENS', 16_384, 256, 200_000, problems),
    maxConcurrency: integer(env, 'AZURE_OPENAI_MAX_CONCURRENCY', 4, 1, 64, problems),
    maxRetries: integer(env, 'AZURE_OPENAI_MAX_RETRIES', 4, 0, 10, problems),
    maxRetryDelayMs: integer(env, 'AZURE_OPENAI_MAX_RETRY_DELAY_MS', 30_000, 0, 300_000, problems),
    schemaRetries: integer(env, 'AZURE_OPENAI_SCHEMA_RETRIES', 2, 0, 5, problems),
    timeoutMs: integer(env, 'AZURE_OPENAI_TIMEOUT_MS', 240_000, 1_000, 3_600_000, problems),
    temperature,
    cache,
    prices,
  };
  if (problems.length) {
    throw new ModelConfigurationError(
      `the azure-openai model provider is not configured: ${problems.join('; ')}`,
    );
  }
  return settings;
}
