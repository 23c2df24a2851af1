/**
 * What the factory's Bicep creates before the app runs and the app itself may not (its identity has data-plane
 * roles only): the artifacts container and the Cosmos DB database and container. Run in a child process that
 * trusts the loopback certificate authority. Usage: `node provisionData.js '<json>'`.
 */
import { CosmosClient } from '@azure/cosmos';
import { BlobServiceClient } from '@azure/storage-blob';

export interface ProvisionRequest {
  blobConnectionString: string;
  artifactsContainer: string;
  cosmosEndpoint: string;
  cosmosKey: string;
  cosmosDatabase: string;
}

async function main(): Promise<void> {
  const request = JSON.parse(process.argv[2]) as ProvisionRequest;
  await BlobServiceClient.fromConnectionString(request.blobConnectionString)
    .getContainerClient(request.artifactsContainer)
    .createIfNotExists();
  const cosmos = new CosmosClient({ endpoint: request.cosmosEndpoint, key: request.cosmosKey });
  const { database } = await cosmos.databases.createIfNotExists({ id: request.cosmosDatabase });
  await database.containers.createIfNotExists({ id: 'runs', partitionKey: { paths: ['/tenantId'] } });
  cosmos.dispose();
}

main().catch((error: unknown) => {
  process.stderr.write(`provisioning failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
