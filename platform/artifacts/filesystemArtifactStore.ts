import { createReadStream, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import {
  ArtifactConflictError,
  ArtifactNotFoundError,
  type ArtifactMeta,
  type ArtifactStore,
  type StoredArtifact,
} from '../../core/ports/artifactStore';
import { writeFileAtomic } from '../files/atomicWrite';
import { storedEntry, validateArtifactPath, validateSegment, verified, verifiedStream } from './artifactPath';

const manifestName = '.manifest.json';
/** How many runs' parsed manifests a store keeps. */
const parsedManifestsKept = 64;

const entrySchema = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
  kind: z.string(),
  phase: z.string(),
  agent: z.string(),
  contentType: z.string(),
});

/** A manifest that cannot be read as the store wrote it: writing would drop the entries it no longer shows. */
export class ArtifactManifestCorruptError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`the artifact manifest ${file} is corrupt (${problem}); it is left as it is for repair`);
    this.name = 'ArtifactManifestCorruptError';
  }
}

/**
 * Path → entry. A Map, not a plain object: artifact paths are chosen by generated code and callers, and as keys
 * of an object `__proto__` or `constructor` would name Object.prototype's members instead of an artifact.
 */
function parseManifest(file: string, text: string): Map<string, StoredArtifact> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ArtifactManifestCorruptError(file, (error as Error).message);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) {
    throw new ArtifactManifestCorruptError(file, 'not a JSON object from path to entry');
  }
  const manifest = new Map<string, StoredArtifact>();
  // JSON.parse makes every key an own property, `__proto__` included, so entries() sees them all.
  for (const [path, value] of Object.entries(json)) {
    const entry = entrySchema.safeParse(value);
    if (!entry.success || entry.data.path !== path) {
      throw new ArtifactManifestCorruptError(file, `the entry of ${JSON.stringify(path)} is malformed`);
    }
    manifest.set(path, entry.data);
  }
  return manifest;
}

/**
 * Artifacts as plain files under `<root>/<tenantId>/<runId>/`, so a person can open them, with a manifest
 * beside them that records kind, content type and sha256 per path. Files and manifest are replaced atomically
 * (`writeFileAtomic`), so neither a crash nor a power loss leaves a half-written artifact or an empty manifest.
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly adapter = 'filesystem';
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly parsed = new Map<string, { text: string; manifest: Map<string, StoredArtifact> }>();

  constructor(private readonly root: string) {}

  runFolder(tenantId: string, runId: string): string {
    return join(this.root, validateSegment('tenantId', tenantId), validateSegment('runId', runId));
  }

  describeLocation(tenantId: string, runId: string): string {
    return this.runFolder(tenantId, runId);
  }

  async put(
    tenantId: string,
    runId: string,
    path: string,
    content: Buffer | string,
    meta: ArtifactMeta,
  ): Promise<StoredArtifact> {
    validateArtifactPath(path);
    const folder = this.runFolder(tenantId, runId);
    const { body, entry } = storedEntry(path, content, meta);
    return this.serialized(folder, async () => {
      const manifest = await this.readManifest(folder);
      const existing = manifest.get(path);
      if (existing) {
        if (existing.sha256 !== entry.sha256) throw new ArtifactConflictError(path);
        return existing;
      }
      const file = join(folder, path);
      await fs.mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(file, body);
      manifest.set(path, entry);
      await writeFileAtomic(
        join(folder, manifestName),
        Buffer.from(JSON.stringify(Object.fromEntries(manifest))),
      );
      return entry;
    });
  }

  async head(tenantId: string, runId: string, path: string): Promise<StoredArtifact | undefined> {
    validateArtifactPath(path);
    return (await this.readManifest(this.runFolder(tenantId, runId))).get(path);
  }

  async get(tenantId: string, runId: string, path: string): Promise<Buffer> {
    const entry = await this.require(tenantId, runId, path);
    return verified(entry, await fs.readFile(join(this.runFolder(tenantId, runId), path)));
  }

  async stream(
    tenantId: string,
    runId: string,
    path: string,
  ): Promise<{ entry: StoredArtifact; body: Readable }> {
    const entry = await this.require(tenantId, runId, path);
    return {
      entry,
      body: verifiedStream(entry, createReadStream(join(this.runFolder(tenantId, runId), path))),
    };
  }

  async list(tenantId: string, runId: string): Promise<StoredArtifact[]> {
    const manifest = await this.readManifest(this.runFolder(tenantId, runId));
    return [...manifest.values()].sort((a, b) => a.path.localeCompare(b.path));
  }

  private async require(tenantId: string, runId: string, path: string): Promise<StoredArtifact> {
    const entry = await this.head(tenantId, runId, path);
    if (!entry) throw new ArtifactNotFoundError(path);
    return entry;
  }

  /** The run's manifest; none yet is an empty one, one that cannot be parsed is `ArtifactManifestCorruptError`. */
  private async readManifest(folder: string): Promise<Map<string, StoredArtifact>> {
    const file = join(folder, manifestName);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    // A run's activities read the manifest at every artifact they open: the last text parsed per folder is kept,
    // and a copy of its entries is handed out (a writer changes the copy it holds).
    const last = this.parsed.get(folder);
    if (last?.text === text) return new Map(last.manifest);
    const manifest = parseManifest(file, text);
    this.parsed.delete(folder);
    this.parsed.set(folder, { text, manifest });
    // The runs in progress, not every run a long-lived host ever served.
    if (this.parsed.size > parsedManifestsKept) this.parsed.delete(this.parsed.keys().next().value!);
    return new Map(manifest);
  }

  /** Manifest updates of one run are serialized within the process (activities run concurrently). */
  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      key,
      next.catch(() => undefined),
    );
    return next;
  }
}
