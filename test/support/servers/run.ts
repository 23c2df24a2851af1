// `npm run local-servers`: Azurite (Blob), a Cosmos DB server and the AMQP test broker on loopback, for trying
// the Azure adapters by hand. Prints the settings to export in another shell; stops on Ctrl-C.
import { startAzureServers } from './';

async function main(): Promise<void> {
  const servers = await startAzureServers();
  process.stdout.write(
    [
      '# Local servers are up (in memory; gone when this process stops). In another shell:',
      ...Object.entries(servers.settings).map(([name, value]) => `export ${name}='${value}'`),
      'node bin/factory.js run --vision-file examples/visions/neighbourhood-tool-library.md',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await servers.stop();
}

void main();
