import { BlobServiceClient } from '@azure/storage-blob';
import { CosmosClient } from '@azure/cosmos';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startAzureServers, type AzureServers } from '../support/servers';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';

const vision = readFileSync(join(__dirname, '../../examples/visions/neighbourhood-tool-library.md'), 'utf8');

describe('a whole factory run on the Azure adapters (Cosmos DB, Blob Storage, Service Bus on local servers)', () => {
  let servers: AzureServers;
  let t: TestFactory;

  beforeAll(async () => {
    servers = await startAzureServers();
    t = await startTestFactory({ env: servers.settings });
  });
  afterAll(async () => {
    await t?.close();
    await servers?.stop();
  });

  it('keeps the run document in Cosmos DB, the artifacts in Blob Storage and sends every event to the topic', async () => {
    expect(t.ports.describe()).toMatchObject({
      runs: expect.stringMatching(/^cosmos /),
      artifacts: expect.stringMatching(/^blob /),
      events: expect.stringMatching(/^service-bus /),
    });
    const runId = await t.start(vision, {}, 'azure-run');
    expect(await t.waitFor(runId, (s) => ['Completed', 'Failed'].includes(s), 280000)).toBe('Completed');

    // The run document, read with the SDK straight from the Cosmos DB server.
    const client = new CosmosClient({
      connectionString: servers.cosmos.connectionString,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    const { resource: doc } = await client.database('factory').container('runs').item(runId, 'test').read();
    expect(doc).toMatchObject({ id: runId, tenantId: 'test', status: 'Completed' });
    expect(doc.phases).toHaveLength(6);
    expect(doc.gates.every((g: { passed: boolean }) => g.passed)).toBe(true);

    // The artifacts, as blobs named <tenant>/<run>/<path> with their metadata.
    const container = BlobServiceClient.fromConnectionString(
      servers.blob.connectionString,
    ).getContainerClient('artifacts');
    const blobs: Array<{ name: string; metadata?: Record<string, string> }> = [];
    for await (const item of container.listBlobsFlat({ prefix: `test/${runId}/`, includeMetadata: true }))
      blobs.push(item);
    const openapi = blobs.find((b) => b.name.endsWith('.openapi.json'));
    expect(openapi?.metadata).toMatchObject({
      kind: 'openapi',
      phase: 'vision-to-architecture',
      agent: 'apiDesigner',
    });
    expect(blobs.length).toBeGreaterThanOrEqual(doc.artifacts.length);

    // The events, as CloudEvents messages on the topic's subscription, once each, in order.
    const messages = servers.bus.peek('factory-events/subscriptions/all');
    const events = await t.ports.runs.listEvents('test', runId);
    expect(events.every((e) => e.published)).toBe(true);
    expect(messages.map((m) => m.message.message_id)).toEqual(events.map((e) => e.id));
    const types = messages.map((m) => m.message.application_properties?.type);
    expect(types[0]).toBe('factory.RunStarted');
    expect(types).toEqual(
      expect.arrayContaining([
        'factory.ArchitectureReady',
        'factory.DeploymentReady',
        'factory.DeploymentSuccessful',
      ]),
    );
    expect(types[types.length - 1]).toBe('factory.RunCompleted');
  }, 300000);
});
