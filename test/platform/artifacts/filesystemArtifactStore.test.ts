import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactConflictError, type ArtifactMeta } from '../../../core/ports/artifactStore';
import {
  ArtifactManifestCorruptError,
  FilesystemArtifactStore,
} from '../../../platform/artifacts/filesystemArtifactStore';

const meta: ArtifactMeta = {
  kind: 'vision-text',
  phase: 'vision-to-architecture',
  agent: 'solution-architect',
  contentType: 'text/markdown',
};
const tenantId = 'tenant-a';
const runId = 'run-1';

let root: string;
let store: FilesystemArtifactStore;
const runFolder = () => join(root, tenantId, runId);
const manifestFile = () => join(runFolder(), '.manifest.json');
const manifest = async () => JSON.parse(await readFile(manifestFile(), 'utf8')) as Record<string, unknown>;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fs-artifacts-'));
  store = new FilesystemArtifactStore(root);
});
afterEach(() => rm(root, { recursive: true, force: true }));

test('keeps each artifact as a plain file under <root>/<tenant>/<run>/<path>', async () => {
  expect(store.adapter).toBe('filesystem');
  expect(store.describeLocation(tenantId, runId)).toBe(runFolder());
  expect(store.runFolder(tenantId, runId)).toBe(runFolder());
  await store.put(tenantId, runId, 'docs/a.md', 'A', meta);
  expect(await readFile(join(runFolder(), 'docs', 'a.md'), 'utf8')).toBe('A');
  expect((await readdir(runFolder())).sort()).toEqual(['.manifest.json', 'docs']);
});

test('stores text as UTF-8 and records its size in bytes, not characters', async () => {
  const text = 'Grüße, 世界 🚀\n';
  const entry = await store.put(tenantId, runId, 'hello.md', text, meta);
  const bytes = Buffer.from(text, 'utf8');
  expect(bytes.length).toBeGreaterThan(text.length);
  expect(entry).toEqual({
    path: 'hello.md',
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    ...meta,
  });
  expect(await readFile(join(runFolder(), 'hello.md'))).toEqual(bytes);
  expect(await manifest()).toEqual({ 'hello.md': entry });
  expect(await store.get(tenantId, runId, 'hello.md')).toEqual(bytes);
});

test('the manifest records every entry written, in the shape the store reads back', async () => {
  const a = await store.put(tenantId, runId, 'a.md', 'a', meta);
  const b = await store.put(tenantId, runId, 'dir/b.bin', Buffer.from([1, 2, 3]), {
    ...meta,
    contentType: 'application/octet-stream',
  });
  expect(await manifest()).toEqual({ 'a.md': a, 'dir/b.bin': b });
  expect(await new FilesystemArtifactStore(root).list(tenantId, runId)).toEqual([a, b]);
});

test('a rejected write leaves the manifest and the other writes of the run intact', async () => {
  await store.put(tenantId, runId, 'a.md', 'a', meta);
  const writes = await Promise.allSettled([
    store.put(tenantId, runId, 'a.md', 'different', meta),
    store.put(tenantId, runId, 'b.md', 'b', meta),
  ]);
  expect(writes[0]).toMatchObject({ status: 'rejected', reason: expect.any(ArtifactConflictError) });
  expect(writes[1]).toMatchObject({ status: 'fulfilled' });
  expect(Object.keys(await manifest()).sort()).toEqual(['a.md', 'b.md']);
  expect((await store.get(tenantId, runId, 'a.md')).toString()).toBe('a');
});

describe('a corrupt manifest', () => {
  const valid = async () => {
    await store.put(tenantId, runId, 'kept.md', 'kept', meta);
    return readFile(manifestFile(), 'utf8');
  };

  test.each([
    ['truncated', (text: string) => text.slice(0, text.length / 2), /^Unexpected end|Unterminated|Expected/],
    ['empty', () => '', /Unexpected end|Expected/],
    ['an array', () => '[]', /^not a JSON object from path to entry$/],
    ['null', () => 'null', /^not a JSON object from path to entry$/],
    ['a number', () => '42', /^not a JSON object from path to entry$/],
    [
      'an entry without its hash',
      () => JSON.stringify({ 'kept.md': { path: 'kept.md', bytes: 4 } }),
      /^the entry of "kept.md" is malformed$/,
    ],
    [
      'an entry under another path',
      (text: string) => text.replace('"kept.md":', '"other.md":'),
      /^the entry of "other.md" is malformed$/,
    ],
    [
      'a negative size',
      (text: string) => text.replace('"bytes":4', '"bytes":-4'),
      /^the entry of "kept.md" is malformed$/,
    ],
  ])('(%s) is an error naming the file, and is never overwritten', async (_name, damage, problem) => {
    const damaged = damage(await valid());
    await writeFile(manifestFile(), damaged);
    const error = await store.put(tenantId, runId, 'new.md', 'new', meta).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ArtifactManifestCorruptError);
    const corrupt = error as ArtifactManifestCorruptError;
    expect([corrupt.name, corrupt.file]).toEqual(['ArtifactManifestCorruptError', manifestFile()]);
    expect(corrupt.message).toContain(`the artifact manifest ${manifestFile()} is corrupt (`);
    expect(corrupt.message.slice(corrupt.message.indexOf('(') + 1, corrupt.message.lastIndexOf(')'))).toMatch(
      problem,
    );
    expect(await readFile(manifestFile(), 'utf8')).toBe(damaged);
    await expect(store.list(tenantId, runId)).rejects.toThrow(ArtifactManifestCorruptError);
    await expect(store.head(tenantId, runId, 'kept.md')).rejects.toThrow(ArtifactManifestCorruptError);
  });

  test('a manifest that cannot be read is an error, not an empty run', async () => {
    await store.put(tenantId, runId, 'x.md', 'x', meta);
    await rm(manifestFile());
    await mkdir(manifestFile());
    await expect(store.list(tenantId, runId)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
