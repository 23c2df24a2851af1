import { createHash } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { ArtifactMeta } from '../../../core/ports/artifactStore';
import { BlobArtifactStore } from '../../../platform/artifacts/blobArtifactStore';
import { startAzurite, type AzuriteServer } from '../../support/servers/azurite';

const meta: ArtifactMeta = {
  kind: 'vision-text',
  phase: 'vision-to-architecture',
  agent: 'solution-architect',
  contentType: 'text/markdown; charset=utf-8',
};

let server: AzuriteServer;
let service: BlobServiceClient;
let containers = 0;
const freshContainer = () => service.getContainerClient(`artifacts-${++containers}`);

beforeAll(async () => {
  server = await startAzurite();
  service = BlobServiceClient.fromConnectionString(server.connectionString);
});
afterAll(() => server.stop());

test('names the run folder by the container URL, tenant and run', () => {
  const container = freshContainer();
  const store = new BlobArtifactStore(container);
  expect(store.adapter).toBe('blob');
  expect(store.describeLocation('t1', 'r1')).toBe(`${container.url}/t1/r1/`);
});

test('stores text as UTF-8: the blob holds the bytes, and the entry their count and hash', async () => {
  const container = freshContainer();
  const store = new BlobArtifactStore(container);
  const text = 'Grüße, 世界 🚀\n';
  const bytes = Buffer.from(text, 'utf8');
  const entry = await store.put('t1', 'r1', 'docs/hello.md', text, meta);
  expect(entry).toEqual({
    path: 'docs/hello.md',
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...meta,
  });
  const blob = container.getBlockBlobClient('t1/r1/docs/hello.md');
  expect(await blob.downloadToBuffer()).toEqual(bytes);
  const properties = await blob.getProperties();
  expect([properties.contentLength, properties.contentType]).toEqual([bytes.length, meta.contentType]);
  expect(await store.head('t1', 'r1', 'docs/hello.md')).toEqual(entry);
  expect(await store.list('t1', 'r1')).toEqual([entry]);
});

test('keeps the entry in ASCII blob metadata, URI-encoded', async () => {
  const container = freshContainer();
  const agent = 'qa/tester é';
  await new BlobArtifactStore(container).put('t1', 'r1', 'a.bin', Buffer.from([1]), { ...meta, agent });
  const { metadata } = await container.getBlockBlobClient('t1/r1/a.bin').getProperties();
  expect(metadata).toEqual({
    sha256: createHash('sha256')
      .update(Buffer.from([1]))
      .digest('hex'),
    kind: 'vision-text',
    phase: 'vision-to-architecture',
    agent: encodeURIComponent(agent),
  });
});

test('before the container exists, a run has no artifacts', async () => {
  const store = new BlobArtifactStore(freshContainer());
  expect(await store.list('t1', 'r1')).toEqual([]);
  expect(await store.head('t1', 'r1', 'a.md')).toBeUndefined();
});

test('a blob the store did not write is refused, whichever way it is read', async () => {
  const container = freshContainer();
  await container.create();
  await container.getBlockBlobClient('t1/r1/foreign.md').uploadData(Buffer.from('x'));
  const store = new BlobArtifactStore(container);
  const message = 'artifact foreign.md has no sha256 metadata; it was not written by the artifact store';
  await expect(store.head('t1', 'r1', 'foreign.md')).rejects.toThrow(message);
  await expect(store.get('t1', 'r1', 'foreign.md')).rejects.toThrow(message);
  await expect(store.list('t1', 'r1')).rejects.toThrow(message);
});

test('a blob with a hash but no other metadata reads with empty fields', async () => {
  const container = freshContainer();
  await container.create();
  const sha256 = createHash('sha256').update('x').digest('hex');
  await container.getBlockBlobClient('t1/r1/bare.md').uploadData(Buffer.from('x'), { metadata: { sha256 } });
  expect(await new BlobArtifactStore(container).head('t1', 'r1', 'bare.md')).toEqual({
    path: 'bare.md',
    bytes: 1,
    sha256,
    kind: '',
    phase: '',
    agent: '',
    contentType: 'application/octet-stream',
  });
});

test('a failed container creation is tried again by the next write', async () => {
  const container = freshContainer();
  let failures = 1;
  const flaky = Object.create(container) as ContainerClient;
  flaky.createIfNotExists = (...args) =>
    failures-- > 0 ? Promise.reject(new Error('storage unavailable')) : container.createIfNotExists(...args);
  const store = new BlobArtifactStore(flaky);
  await expect(store.put('t1', 'r1', 'a.md', 'a', meta)).rejects.toThrow('storage unavailable');
  await store.put('t1', 'r1', 'a.md', 'a', meta);
  expect((await store.get('t1', 'r1', 'a.md')).toString()).toBe('a');
});

test('errors other than a missing blob or container are not mistaken for absence', async () => {
  const denied = BlobServiceClient.fromConnectionString(
    server.connectionString.replace(
      /AccountKey=[^;]+/,
      `AccountKey=${Buffer.alloc(64, 1).toString('base64')}`,
    ),
  ).getContainerClient('artifacts-denied');
  const store = new BlobArtifactStore(denied);
  await expect(store.head('t1', 'r1', 'a.md')).rejects.toMatchObject({ statusCode: 403 });
  await expect(store.list('t1', 'r1')).rejects.toMatchObject({ statusCode: 403 });
  await expect(store.get('t1', 'r1', 'a.md')).rejects.toMatchObject({ statusCode: 403 });
});
