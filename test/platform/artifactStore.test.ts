import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { BlobArtifactStore } from '../../platform/artifacts/blobArtifactStore';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import { startAzurite, type AzuriteServer } from '../support/servers/azurite';
import { artifactStoreContract } from './artifactStoreContract';

let root: string;
artifactStoreContract(
  'filesystem',
  async () => {
    root = await mkdtemp(join(tmpdir(), 'artifacts-'));
    const store = new FilesystemArtifactStore(root);
    return {
      store,
      corrupt: (tenantId, runId, path, content) => writeFile(join(root, tenantId, runId, path), content),
      locate: async (tenantId, runId, path) => existsSync(join(root, tenantId, runId, path)),
    };
  },
  () => rm(root, { recursive: true, force: true }),
);

let azurite: AzuriteServer;
let container: ContainerClient;
artifactStoreContract(
  'blob (Azurite)',
  async () => {
    azurite = await startAzurite();
    container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
      'artifacts',
    );
    return {
      store: new BlobArtifactStore(container),
      corrupt: async (tenantId, runId, path, content) => {
        const blob = container.getBlockBlobClient(`${tenantId}/${runId}/${path}`);
        const { metadata } = await blob.getProperties();
        await blob.uploadData(content, { metadata });
      },
      locate: async (tenantId, runId, path) =>
        container.getBlockBlobClient(`${tenantId}/${runId}/${path}`).exists(),
    };
  },
  () => azurite.stop(),
);

describe('BlobArtifactStore specifics', () => {
  let server: AzuriteServer;
  beforeAll(async () => {
    server = await startAzurite();
  });
  afterAll(() => server.stop());

  it('creates its container on first write and verifies streamed content', async () => {
    const client = BlobServiceClient.fromConnectionString(server.connectionString).getContainerClient(
      'fresh-artifacts',
    );
    const store = new BlobArtifactStore(client);
    await store.put('t1', 'r1', 'a.txt', 'hello', {
      kind: 'vision-text',
      phase: 'p',
      agent: 'a',
      contentType: 'text/plain',
    });
    expect(store.describeLocation('t1', 'r1')).toMatch(/fresh-artifacts\/t1\/r1\/$/);
    const { metadata } = await client.getBlockBlobClient('t1/r1/a.txt').getProperties();
    await client.getBlockBlobClient('t1/r1/a.txt').uploadData(Buffer.from('jello'), { metadata });
    const { body } = await store.stream('t1', 'r1', 'a.txt');
    const read = async () => {
      for await (const _chunk of body) void _chunk;
    };
    await expect(read()).rejects.toThrow(/corrupt/);
  });
});
