import { blueprintProvider, type ModelProvider } from './executeAgent';

const providers: Record<string, () => ModelProvider> = {
  blueprint: () => blueprintProvider,
};

export const modelNames = (): string[] => Object.keys(providers);

/** The provider a run asked for; an unknown or unconfigured one is an error, never a silent fallback. */
export function modelProvider(name: string): ModelProvider {
  const make = providers[name];
  if (!make) throw new Error(`unknown model provider '${name}' (available: ${modelNames().join(', ')})`);
  return make();
}
