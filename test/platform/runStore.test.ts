import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CosmosClient } from '@azure/cosmos';
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
