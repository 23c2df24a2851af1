// `npm run local-servers`: Azurite (Blob), a Cosmos DB server and the AMQP test broker on loopback, for trying
// the Azure adapters by hand. Prints the settings to export in another shell; stops on Ctrl-C.
import { startAzurite, startCosmos, startServiceBusBroker } from '.';

async function main(): Promise<void> {
  const blob = await startAzurite();
  const cosmos = await startCosmos();
  const bus = await startServiceBusBroker({
    queues: ['factory-commands'],
    topics: { 'factory-events': { subscriptions: { all: {} } } },
    maxDeliveryCount: 5,
  });
  process.stdout.write(
    [
      '# Local servers are up (in memory; gone when this process stops). In another shell:',
      `export ArtifactStorage='${blob.connectionString}'`,
      `export CosmosConnection='${cosmos.connectionString}'`,
      `export ServiceBusConnection='${bus.connectionString}'`,
      'node bin/factory.js run --vision-file examples/visions/neighbourhood-tool-library.md',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all([blob.stop(), cosmos.stop(), bus.stop()]);
}

void main();
