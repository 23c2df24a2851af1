import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactRef } from '../../core/agent';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import { readManifest, writeManifest } from '../../runs/manifest';

const refs: ArtifactRef[] = [
  { path: 'input/vision.md', sha256: 'a'.repeat(64), kind: 'vision-text' },
  { path: 'iteration-1/x/attempt-1/services/a/.folder.json', sha256: 'b'.repeat(64), kind: 'service-source' },
];

describe('context manifests', () => {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-manifest-')));

  it('reads back the references it wrote, as context-manifest', async () => {
    const ref = await writeManifest(store, 't', 'r', 'manifests/one.json', refs, 'vision-to-architecture');
    expect(ref.kind).toBe('context-manifest');
    expect(await readManifest(store, 't', 'r', ref)).toEqual(refs);
  });

  it('refuses a stored manifest with a kind this version does not know, naming it', async () => {
    const stored = await store.put(
      't',
      'r',
      'manifests/old.json',
      JSON.stringify({ refs: [{ ...refs[0], kind: 'spec' }] }),
      {
        kind: 'context-manifest',
        phase: 'vision-to-architecture',
        agent: 'orchestrator',
        contentType: 'application/json',
      },
    );
    const ref: ArtifactRef = { path: stored.path, sha256: stored.sha256, kind: 'context-manifest' };
    await expect(readManifest(store, 't', 'r', ref)).rejects.toThrow(
      /context manifest manifests\/old\.json cannot be read: refs\.0\.kind: unknown artifact kind "spec"/,
    );
  });
});
