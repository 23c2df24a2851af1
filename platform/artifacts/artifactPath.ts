import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ArtifactCorruptError, type ArtifactMeta, type StoredArtifact } from '../../core/ports/artifactStore';

/** Artifact paths are relative, `/`-separated and cannot climb out of their run. */
export function validateArtifactPath(path: string): string {
  if (typeof path !== 'string' || path.length === 0 || path.length > 1024) {
    throw new Error(`invalid artifact path: must be 1 to 1024 characters`);
  }
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path) || path.includes('\\') || path.includes('\0')) {
    throw new Error(`invalid artifact path ${JSON.stringify(path)}: must be relative and use /`);
  }
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new Error(`invalid artifact path ${JSON.stringify(path)}: empty, . or .. segments are not allowed`);
  }
  return path;
}

/** Tenant and run ids become path segments and blob name prefixes. */
export function validateSegment(name: string, value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(value) || value.includes('..')) {
    throw new Error(`invalid ${name} ${JSON.stringify(value)}`);
  }
  return value;
}

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}

/** The bytes to store for an artifact and its manifest entry (only the metadata fields the port defines). */
export function storedEntry(
  path: string,
  content: Buffer | string,
  meta: ArtifactMeta,
): { body: Buffer; entry: StoredArtifact } {
  const body = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const { kind, phase, agent, contentType } = meta;
  return { body, entry: { path, bytes: body.length, sha256: sha256(body), kind, phase, agent, contentType } };
}

/** The content, or `ArtifactCorruptError` when it no longer matches the sha256 recorded at write time. */
export function verified(entry: StoredArtifact, content: Buffer): Buffer {
  const actual = sha256(content);
  if (actual !== entry.sha256) throw new ArtifactCorruptError(entry.path, entry.sha256, actual);
  return content;
}

/** The stream fails with `ArtifactCorruptError` at its end if the content does not match its hash. */
export function verifiedStream(entry: StoredArtifact, body: Readable): Readable {
  const hash = createHash('sha256');
  const verifier = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(actual === entry.sha256 ? null : new ArtifactCorruptError(entry.path, entry.sha256, actual));
    },
  });
  body.on('error', (error) => verifier.destroy(error));
  return body.pipe(verifier);
}
