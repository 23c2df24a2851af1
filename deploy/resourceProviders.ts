import type { ResourceManagementClient } from '@azure/arm-resources';

/**
 * Resource providers the products' templates use (ADR 0054). Registering a provider is a subscription-level
 * action that the factory's identity, which holds roles on the products' resource group only, may not take; the
 * person who runs `azd up` registers them once.
 */
export const productResourceProviders = [
  'Microsoft.App',
  'Microsoft.ContainerRegistry',
  'Microsoft.DBforPostgreSQL',
  'Microsoft.ServiceBus',
  'Microsoft.OperationalInsights',
  'Microsoft.ManagedIdentity',
];

/** Registers each provider that is not registered (or registering) yet; returns the ones it asked for. */
export async function registerResourceProviders(
  client: Pick<ResourceManagementClient, 'providers'>,
  namespaces: string[] = productResourceProviders,
): Promise<string[]> {
  const requested: string[] = [];
  for (const namespace of namespaces) {
    const { registrationState } = await client.providers.get(namespace);
    if (registrationState === 'Registered' || registrationState === 'Registering') continue;
    // Registration completes in the background, long before the first product is deployed.
    await client.providers.register(namespace);
    requested.push(namespace);
  }
  return requested;
}
