import { startAzurite, type AzuriteServer } from './azurite';
import { startCosmos, type CosmosServer } from './cosmos';
import { startServiceBusBroker, type BrokerOptions, type ServiceBusBroker } from './serviceBusBroker';

export interface AzureServers {
  blob: AzuriteServer;
  cosmos: CosmosServer;
  bus: ServiceBusBroker;
  /** The app settings that point the factory's three Azure adapters at these servers. */
  settings: { ArtifactStorage: string; CosmosConnection: string; ServiceBusConnection: string };
  stop(): Promise<void>;
}

/**
 * Azurite, the Cosmos DB server and the AMQP broker, the broker with the factory's command queue and event topic
 * (one subscription `all`, max delivery count 5 as in the Bicep), unless `broker` says otherwise.
 */
export async function startAzureServers(broker: BrokerOptions = {}): Promise<AzureServers> {
  const [blob, cosmos, bus] = await Promise.all([
    startAzurite(),
    startCosmos(),
    startServiceBusBroker({
      queues: ['factory-commands'],
      topics: { 'factory-events': { subscriptions: { all: {} } } },
      maxDeliveryCount: 5,
      ...broker,
    }),
  ]);
  return {
    blob,
    cosmos,
    bus,
    settings: {
      ArtifactStorage: blob.connectionString,
      CosmosConnection: cosmos.connectionString,
      ServiceBusConnection: bus.connectionString,
    },
    stop: async () => void (await Promise.all([blob.stop(), cosmos.stop(), bus.stop()])),
  };
}
