import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { createPorts, readSettings, SettingsError } from '../../platform/config';
import type { ArtifactMeta } from '../../core/ports/artifactStore';
import type { EmbeddedEventBus } from '../../platform/events/embeddedEventBus';
import { startAzurite, type AzuriteServer } from '../support/servers/azurite';
import { startCosmos, type CosmosServer } from '../support/servers/cosmos';
import { startServiceBusBroker, type ServiceBusBroker } from '../support/servers/serviceBusBroker';
import { makeEvent, makeRun } from './runStoreContract';

const meta: ArtifactMeta = {
  kind: 'vision',
  phase: 'vision-to-architecture',
  agent: 'vision-architect',
  contentType: 'text/markdown',
};

describe('readSettings', () => {
  const home = '/tmp/factory-home';

  it('defaults to the embedded adapters and the documented names', () => {
    const settings = readSettings({}, home);
    expect(settings.cosmos).toEqual({ kind: 'embedded', database: 'factory', container: 'runs' });
    expect(settings.storage).toEqual({ kind: 'embedded', container: 'artifacts' });
    expect(settings.serviceBus).toEqual({
      kind: 'embedded',
      eventsTopic: 'factory-events',
      commandsQueue: 'factory-commands',
    });
  });

  it('reads identity-based connections with the client id of a user-assigned identity', () => {
    const settings = readSettings(
      {
        CosmosConnection__accountEndpoint: 'https://acct.documents.azure.com:443/',
        ArtifactStorage__blobServiceUri: 'https://acct.blob.core.windows.net',
        ArtifactStorage__clientId: 'storage-identity',
        ServiceBusConnection__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
        ServiceBusConnection__credential: 'managedidentity',
        AZURE_CLIENT_ID: 'app-identity',
        COSMOS_DATABASE: 'factory-prod',
        ARTIFACTS_CONTAINER: 'factory-artifacts',
      },
      home,
    );
    expect(settings.cosmos).toMatchObject({
      kind: 'identity',
      endpoint: 'https://acct.documents.azure.com:443/',
      clientId: 'app-identity',
      database: 'factory-prod',
    });
    expect(settings.storage).toMatchObject({
      kind: 'identity',
      clientId: 'storage-identity',
      container: 'factory-artifacts',
    });
    expect(settings.serviceBus).toMatchObject({ kind: 'identity', endpoint: 'ns.servicebus.windows.net' });
  });

  it.each([
    [
      { CosmosConnection: 'AccountEndpoint=https://x/' },
      /setting CosmosConnection: malformed connection string: missing AccountKey/,
    ],
    [
      { CosmosConnection: 'just some text' },
      /setting CosmosConnection: malformed connection string: expected Key=Value/,
    ],
    [
      { CosmosConnection: 'AccountEndpoint=nope;AccountKey=k' },
      /setting CosmosConnection: AccountEndpoint is not a URL/,
    ],
    [
      { CosmosConnection__accountEndpoint: 'http://acct.documents.azure.com' },
      /CosmosConnection__accountEndpoint: must use https/,
    ],
    [
      {
        CosmosConnection: 'AccountEndpoint=https://x/;AccountKey=k',
        CosmosConnection__accountEndpoint: 'https://x/',
      },
      /not both/,
    ],
    [
      { ArtifactStorage: 'AccountName=a' },
      /setting ArtifactStorage: a storage connection string needs AccountName and AccountKey/,
    ],
    [
      { ArtifactStorage: 'AccountName=a;AccountKey=k;BlobEndpoint=ftp://x' },
      /ArtifactStorage: BlobEndpoint must use http or https/,
    ],
    [
      { ServiceBusConnection: 'Endpoint=https://ns/;SharedAccessKeyName=a;SharedAccessKey=b' },
      /ServiceBusConnection: Endpoint must use sb/,
    ],
    [
      { ServiceBusConnection: 'Endpoint=sb://ns/' },
      /ServiceBusConnection: a Service Bus connection string needs SharedAccessKeyName/,
    ],
    [
      { ServiceBusConnection: 'Endpoint=sb://ns/;SharedAccessKeyName=a;SharedAccessKey=b;EntityPath=q' },
      /without EntityPath/,
    ],
    [
      { ServiceBusConnection__fullyQualifiedNamespace: 'https://ns.servicebus.windows.net/x' },
      /expected a host name/,
    ],
    [
      { ServiceBusConnection__fullyQualifiedNamespace: 'ns', ServiceBusConnection__credential: 'secret' },
      /only "managedidentity"/,
    ],
    [{ ARTIFACTS_CONTAINER: 'Artifacts' }, /setting ARTIFACTS_CONTAINER: "Artifacts" is not valid/],
    [{ FACTORY_EVENTS_TOPIC: '-x' }, /setting FACTORY_EVENTS_TOPIC/],
  ])('rejects %j with an error naming the setting', (env, message) => {
    expect(() => readSettings(env, home)).toThrow(SettingsError);
    expect(() => readSettings(env, home)).toThrow(message);
  });

  it('never puts secrets into its errors', () => {
    try {
      readSettings({ CosmosConnection: 'AccountEndpoint=nope;AccountKey=super-secret' }, home);
      throw new Error('expected an error');
    } catch (error) {
      expect((error as Error).message).not.toContain('super-secret');
    }
  });
});

describe('createPorts', () => {
  it('uses SQLite, the filesystem and the embedded bus under the factory home when nothing is set', async () => {
    const home = mkdtempSync(join(tmpdir(), 'factory-home-'));
    try {
      const ports = createPorts({}, home);
      expect(ports.describe()).toEqual({
        artifacts: `filesystem ${join(home, 'artifacts')}`,
        runs: `sqlite ${join(home, 'state.db')}`,
        events: `embedded ${join(home, 'bus.db')}`,
        commands: `embedded ${join(home, 'bus.db')} queue factory-commands`,
      });
      await ports.runs.create(makeRun('local', 'r1', '2026-01-01T00:00:00.000Z'));
      await ports.artifacts.put('local', 'r1', 'vision.md', '# Vision', meta);
      await ports.events.publish(makeEvent('local', 'r1', 'e1'));
      expect(ports.commands.adapter).toBe('embedded');
      expect(
        (ports.commands as { bus: EmbeddedEventBus }).bus.list().map((stored) => stored.event.id),
      ).toEqual(['e1']);
      await ports.close();
      expect(existsSync(join(home, 'state.db'))).toBe(true);
      expect(existsSync(join(home, 'artifacts', 'local', 'r1', 'vision.md'))).toBe(true);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });

  describe('against local servers from connection strings', () => {
    let azurite: AzuriteServer;
    let cosmos: CosmosServer;
    let broker: ServiceBusBroker;
    beforeAll(async () => {
      [azurite, cosmos, broker] = await Promise.all([
        startAzurite(),
        startCosmos(),
        startServiceBusBroker({
          queues: ['factory-commands'],
          topics: { 'factory-events': { subscriptions: { audit: {} } } },
        }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([azurite.stop(), cosmos.stop(), broker.stop()]);
    });

    it('creates the Blob, Cosmos DB and Service Bus adapters and describes them without secrets', async () => {
      const env = {
        ArtifactStorage: azurite.connectionString,
        CosmosConnection: cosmos.connectionString,
        ServiceBusConnection: broker.connectionString,
      };
      const ports = createPorts(env, '/nonexistent');
      const described = ports.describe();
      expect(described).toEqual({
        artifacts: expect.stringMatching(
          /^blob http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/artifacts \(connection string\)$/,
        ),
        runs: `cosmos ${cosmos.endpoint} factory/runs (connection string)`,
        events: `service-bus sb://127.0.0.1:${broker.port}/factory-events (connection string)`,
        commands: `service-bus sb://127.0.0.1:${broker.port}/factory-commands (connection string)`,
      });
      expect(JSON.stringify(described)).not.toContain(cosmos.key);

      const { created } = await ports.runs.create(makeRun('acme', 'r1', '2026-01-01T00:00:00.000Z'));
      expect(created).toBe(true);
      await ports.runs.update('acme', 'r1', (doc) => void (doc.status = 'Running'));
      expect((await ports.runs.get('acme', 'r1'))?.status).toBe('Running');
      const entry = await ports.artifacts.put('acme', 'r1', 'vision/vision.md', '# Vision', meta);
      expect(await ports.artifacts.list('acme', 'r1')).toEqual([entry]);
      await ports.events.publish(makeEvent('acme', 'r1', 'e1'));
      expect(ports.commands.adapter).toBe('service-bus');
      await ports.close();

      const client = new ServiceBusClient(broker.connectionString);
      const receiver = client.createReceiver('factory-events', 'audit', { receiveMode: 'receiveAndDelete' });
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
      expect(message.messageId).toBe('e1');
      await client.close();
    });
  });
});
