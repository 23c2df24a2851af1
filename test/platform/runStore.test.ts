import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, type Container } from '@azure/cosmos';
import { CosmosRunStore } from '../../platform/runs/cosmosRunStore';
import { SqliteRunStore } from '../../platform/runs/sqliteRunStore';
import { startCosmos, type CosmosServer } from '../support/servers/cosmos';
import { makeRun, runStoreContract } from './runStoreContract';

let folder: string;
let sqlite: SqliteRunStore;
runStoreContract(
  'sqlite',
  async () => {
    folder = mkdtempSync(join(tmpdir(), 'runs-'));
    sqlite = new SqliteRunStore(join(folder, 'state.db'));
    return sqlite;
  },
  async () => {
    sqlite.close();
    rmSync(folder, { recursive: true, force: true });
  },
);

let cosmos: CosmosServer;
let client: CosmosClient;
runStoreContract(
  'cosmos (cosmosdb-server)',
  async () => {
    cosmos = await startCosmos();
    client = new CosmosClient({
      endpoint: cosmos.endpoint,
      key: cosmos.key,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    const { database } = await client.databases.createIfNotExists({ id: 'factory' });
    const { container } = await database.containers.createIfNotExists({
      id: 'runs',
      partitionKey: { paths: ['/tenantId'] },
    });
    return new CosmosRunStore(container);
  },
  async () => {
    client.dispose();
    await cosmos.stop();
  },
);

describe('SqliteRunStore specifics', () => {
  it('keeps runs across reopening the file and rejects foreign continuation tokens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runs-'));
    try {
      const file = join(dir, 'state.db');
      const first = new SqliteRunStore(file);
      await first.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
      first.close();
      const second = new SqliteRunStore(file);
      expect((await second.get('t', 'r1'))?.id).toBe('r1');
      await expect(second.list('t', { continuationToken: 'bm90IGEgdG9rZW4' })).rejects.toThrow(
        /continuation token/,
      );
      second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CosmosRunStore specifics', () => {
  let server: CosmosServer;
  let cosmosClient: CosmosClient;
  let runs: Container;
  beforeEach(async () => {
    server = await startCosmos();
    cosmosClient = new CosmosClient({
      endpoint: server.endpoint,
      key: server.key,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    runs = cosmosClient.database('factory').container('runs');
  });
  afterEach(async () => {
    cosmosClient.dispose();
    await server.stop();
  });
  const ensureRuns = async () => {
    const { database } = await cosmosClient.databases.createIfNotExists({ id: 'factory' });
    await database.containers.createIfNotExists({ id: 'runs', partitionKey: { paths: ['/tenantId'] } });
  };

  it('creates the database and container once, and tries again after a failed attempt', async () => {
    let calls = 0;
    const store = new CosmosRunStore(runs, async () => {
      calls++;
      if (calls === 1) throw new Error('throttled while creating the container');
      await ensureRuns();
    });
    await expect(store.get('t', 'r1')).rejects.toThrow('throttled while creating the container');
    await store.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
    expect((await store.get('t', 'r1'))?.id).toBe('r1');
    await store.list('t', {});
    expect(calls).toBe(2);
  });

  it('names the event when marking an unknown one as published', async () => {
    await ensureRuns();
    const store = new CosmosRunStore(runs);
    await expect(store.markEventPublished('t', 'r1', 'no-such-event')).rejects.toThrow(
      'event no-such-event of run t/r1 not found',
    );
  });

  it('gives up, saying so, when every update meets a concurrent one', async () => {
    await ensureRuns();
    let writes = 0;
    // Another writer gets in between each read and write of the store: its ETag is always stale.
    const contended = new Proxy(runs, {
      get(target, property, receiver) {
        if (property !== 'item') return Reflect.get(target, property, receiver) as unknown;
        return (id: string, partition: string) => {
          const item = target.item(id, partition);
          const replace = async (...args: Parameters<typeof item.replace>) => {
            await target
              .item(id, partition)
              .patch([{ op: 'set', path: '/name', value: `other ${++writes}` }]);
            return item.replace(...args);
          };
          return Object.assign(Object.create(item) as typeof item, { replace });
        };
      },
    });
    const store = new CosmosRunStore(contended);
    await store.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
    await expect(store.update('t', 'r1', (doc) => void (doc.name = 'mine'))).rejects.toThrow(
      'run t/r1: gave up after 50 conflicting concurrent updates',
    );
    expect(writes).toBe(50);
    expect((await store.get('t', 'r1'))?.name).toBe('other 50');
  }, 30_000);

  it('reports an unreachable account as an error, not as a missing run', async () => {
    await ensureRuns();
    const store = new CosmosRunStore(runs);
    await server.stop();
    await expect(store.get('t', 'r1')).rejects.toThrow();
  });
});
