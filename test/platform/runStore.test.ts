import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient, ErrorResponse, type Container } from '@azure/cosmos';
import { CosmosRunStore } from '../../platform/runs/cosmosRunStore';
import { SqliteRunStore } from '../../platform/runs/sqliteRunStore';
import { startCosmos, type CosmosServer } from '../support/servers/cosmos';
import { makeEvent, makeRun, runStoreContract } from './runStoreContract';

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

/** A failed Cosmos DB request as the SDK reports it: an ErrorResponse with the HTTP status as its code. */
function cosmosError(status: number, message: string): ErrorResponse {
  return Object.assign(new ErrorResponse(message), { code: status });
}

/** The container with one of its methods (on `items` or on every `item(...)`) replaced. */
function withItems(target: Container, replace: Record<string, unknown>): Container {
  return new Proxy(target, {
    get(container, property, receiver) {
      if (property !== 'items') return Reflect.get(container, property, receiver) as unknown;
      return Object.assign(Object.create(container.items) as object, replace);
    },
  });
}

describe('SqliteRunStore specifics', () => {
  it('names itself for the health endpoint, creates its folder, and refuses work once closed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runs-'));
    try {
      const store = new SqliteRunStore(join(dir, 'not', 'yet', 'there', 'state.db'));
      expect(store.adapter).toBe('sqlite');
      await store.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
      store.close();
      await expect(store.get('t', 'r1')).rejects.toThrow(/not open/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses continuation tokens that decode to something other than its cursor', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runs-'));
    const store = new SqliteRunStore(join(dir, 'state.db'));
    try {
      await store.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
      const token = (cursor: unknown) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
      for (const cursor of [
        { createdAt: '2026-01-01T00:00:00.000Z' },
        { id: 'r1' },
        { createdAt: 5, id: 'r1' },
        { createdAt: '2026-01-01T00:00:00.000Z', id: 5 },
      ]) {
        await expect(store.list('t', { continuationToken: token(cursor) })).rejects.toThrow(
          'invalid continuation token: it was not issued by this run store',
        );
      }
      const page = await store.list('t', {
        continuationToken: token({ createdAt: '2026-01-02T00:00:00.000Z', id: 'r9' }),
      });
      expect(page.items.map((run) => run.id)).toEqual(['r1']);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

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

  it('reports an unreachable account as an error, not as a missing run or event', async () => {
    await ensureRuns();
    const store = new CosmosRunStore(runs);
    await server.stop();
    await expect(store.get('t', 'r1')).rejects.toThrow();
    const marking = store.markEventPublished('t', 'r1', 'e1');
    await expect(marking).rejects.toThrow();
    await expect(marking).rejects.not.toThrow(/not found/);
  });

  it('names itself for the health endpoint and passes on what a missing container answers', async () => {
    // No `ensure` and no container: writes fail with 404, a configuration error to pass on, not a run's state.
    const store = new CosmosRunStore(runs);
    expect(store.adapter).toBe('cosmos');
    const run = makeRun('t', 'r1', '2026-01-01T00:00:00.000Z');
    // A read cannot tell: the SDK answers any 404 of a point read with an absent item.
    expect(await store.get('t', 'r1')).toBeUndefined();
    await expect(store.create(run)).rejects.toMatchObject({ code: 404 });
    await expect(store.appendEvent('t', 'r1', makeEvent('t', 'r1', 'e1'))).rejects.toMatchObject({
      code: 404,
    });
  });

  it('does not take another kind of document under a run id for the run', async () => {
    await ensureRuns();
    await runs.items.create({ id: 'r1', tenantId: 't', note: 'not a run' });
    const store = new CosmosRunStore(runs);
    expect(await store.get('t', 'r1')).toBeUndefined();
    await expect(store.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'))).rejects.toThrow(
      'run t/r1 exists but could not be read',
    );
    await expect(store.update('t', 'r1', () => undefined)).rejects.toThrow('run t/r1 not found');
  });

  it('tries an update again only after a conflict, not after another failure', async () => {
    await ensureRuns();
    let replaces = 0;
    const failing = new Proxy(runs, {
      get(target, property, receiver) {
        if (property !== 'item') return Reflect.get(target, property, receiver) as unknown;
        return (id: string, partition: string) => {
          const item = target.item(id, partition);
          const replace = () => {
            replaces++;
            return Promise.reject(cosmosError(403, 'the identity may not write'));
          };
          return Object.assign(Object.create(item) as typeof item, { replace });
        };
      },
    });
    const store = new CosmosRunStore(failing);
    await store.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
    await expect(store.update('t', 'r1', (doc) => void (doc.name = 'mine'))).rejects.toThrow(
      'the identity may not write',
    );
    expect(replaces).toBe(1);
  });

  it('says a continuation token the account refuses was not issued by the store', async () => {
    await ensureRuns();
    // Cosmos DB answers a malformed continuation token with 400 Bad Request (the local server never does).
    const refusing = withItems(runs, {
      query: () => ({ fetchNext: () => Promise.reject(cosmosError(400, 'Invalid Continuation Token')) }),
    });
    const store = new CosmosRunStore(refusing);
    await expect(store.list('t', { continuationToken: 'forged' })).rejects.toThrow(
      'invalid continuation token: it was not issued by this run store',
    );
    await expect(store.list('t', {})).rejects.toThrow('Invalid Continuation Token');
    const unavailable = new CosmosRunStore(
      withItems(runs, {
        query: () => ({ fetchNext: () => Promise.reject(cosmosError(503, 'Service Unavailable')) }),
      }),
    );
    await expect(unavailable.list('t', { continuationToken: 'issued' })).rejects.toThrow(
      'Service Unavailable',
    );
  });

  it('keeps the outbox in append order within a process and in time order across processes', async () => {
    await ensureRuns();
    const t0 = Date.UTC(2026, 0, 1);
    let clock = t0;
    const now = jest.spyOn(Date, 'now').mockImplementation(() => clock);
    // Each module copy is what another instance of the Functions app would run.
    const instance = async () => {
      let store: CosmosRunStore | undefined;
      await jest.isolateModulesAsync(async () => {
        const module = await import('../../platform/runs/cosmosRunStore');
        store = new module.CosmosRunStore(runs);
      });
      return store!;
    };
    try {
      const [first, second] = [await instance(), await instance()];
      await first.create(makeRun('t', 'r1', '2026-01-01T00:00:00.000Z'));
      const append = (store: CosmosRunStore, id: string) =>
        store.appendEvent('t', 'r1', makeEvent('t', 'r1', id));
      // Three events in one millisecond, then one after the clock stepped back.
      for (const id of ['a1', 'a2', 'a3']) await append(first, id);
      clock = t0 - 5;
      await append(first, 'a4');
      // The other instance writes a millisecond after the first instance's clock.
      clock = t0 + 1;
      await append(second, 'b1');
      expect((await first.listEvents('t', 'r1')).map((event) => event.id)).toEqual([
        'a1',
        'a2',
        'a3',
        'a4',
        'b1',
      ]);
    } finally {
      now.mockRestore();
    }
  });
});
