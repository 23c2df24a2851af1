import type { ArtifactStore } from '../../core/ports/artifactStore';
import { createAzureOpenAiProvider } from './azureOpenAi/provider';
import { ModelConfigurationError, readAzureOpenAiSettings } from './azureOpenAi/settings';
import { blueprintProvider, type ModelProvider } from './executeAgent';

/** What a provider may need from the process: its settings and the artifact store (for the response cache). */
export interface ProviderDependencies {
  env?: NodeJS.ProcessEnv;
  artifacts?: ArtifactStore;
}

/** Makes a provider from what the process gives it. */
export type ProviderFactory = (deps: ProviderDependencies) => ModelProvider;

const providers: Readonly<Record<string, ProviderFactory>> = {
  blueprint: () => blueprintProvider,
  'azure-openai': (deps) =>
    createAzureOpenAiProvider({ env: deps.env ?? process.env, artifacts: deps.artifacts }),
};

export const modelNames = (): string[] => Object.keys(providers);

/**
 * The providers a host offers by name: the built-in ones and any it adds (the benchmarks' simulated-latency
 * provider); an existing name is never replaced. An unknown or unconfigured one is an error, never a silent
 * fallback.
 */
export function modelProviders(
  extra: Record<string, ProviderFactory> = {},
): (name: string, deps?: ProviderDependencies) => ModelProvider {
  const taken = Object.keys(extra).find((name) => providers[name]);
  if (taken) throw new ModelConfigurationError(`model provider '${taken}' is already registered`);
  const all: Record<string, ProviderFactory> = { ...providers, ...extra };
  return (name, deps = {}) => {
    const make = all[name];
    if (!make)
      throw new ModelConfigurationError(
        `unknown model provider '${name}' (available: ${Object.keys(all).join(', ')})`,
      );
    return make(deps);
  };
}

/**
 * Checks, before a run starts, that the model it asks for exists and is configured, so a missing endpoint is
 * reported to the person starting the run instead of failing the first agent minutes later.
 */
export function checkModelConfiguration(model: string, env: NodeJS.ProcessEnv = process.env): void {
  if (!providers[model])
    throw new ModelConfigurationError(
      `unknown model provider '${model}' (available: ${modelNames().join(', ')})`,
    );
  if (model === 'azure-openai') readAzureOpenAiSettings(env);
}

export { ModelConfigurationError };
