import type { ArtifactStore } from '../../core/ports/artifactStore';
import { createAzureOpenAiProvider } from './azureOpenAi/provider';
import { ModelConfigurationError, readAzureOpenAiSettings } from './azureOpenAi/settings';
import { blueprintProvider, type ModelProvider } from './executeAgent';

/** What a provider may need from the process: its settings and the artifact store (for the response cache). */
export interface ProviderDependencies {
  env?: NodeJS.ProcessEnv;
  artifacts?: ArtifactStore;
}

const providers: Record<string, (deps: ProviderDependencies) => ModelProvider> = {
  blueprint: () => blueprintProvider,
  'azure-openai': (deps) =>
    createAzureOpenAiProvider({ env: deps.env ?? process.env, artifacts: deps.artifacts }),
};

export const modelNames = (): string[] => Object.keys(providers);

/**
 * Adds a provider under a new name (the benchmarks' simulated-latency provider uses this). Registered in the
 * process that runs the agents, before runs name it; an existing name is never replaced.
 */
export function registerModelProvider(
  name: string,
  make: (deps: ProviderDependencies) => ModelProvider,
): void {
  if (providers[name]) throw new ModelConfigurationError(`model provider '${name}' is already registered`);
  providers[name] = make;
}

/** The provider a run asked for; an unknown or unconfigured one is an error, never a silent fallback. */
export function modelProvider(name: string, deps: ProviderDependencies = {}): ModelProvider {
  const make = providers[name];
  if (!make)
    throw new ModelConfigurationError(
      `unknown model provider '${name}' (available: ${modelNames().join(', ')})`,
    );
  return make(deps);
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
