import { createReadStream, promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
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

/**
 * Artifacts as plain files under `<root>/<tenantId>/<runId>/`, so a person can open them, with a manifest
 * beside them that records kind, content type and sha256 per path. Files and manifest are replaced atomically
 * (`writeFileAtomic`), so neither a crash nor a power loss leaves a half-written artifact or an empty manifest.
 */
export class FilesystemArtifactStore implements ArtifactStore {
  readonly adapter = 'filesystem';
  private readonly locks = new Map<string, Promise<unknown>>();

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

  /**
   * Path → entry. A Map, not a plain object: artifact paths are chosen by generated code and callers, and as keys
   * of an object `__proto__` or `constructor` would name Object.prototype's members instead of an artifact.
   */
  private async readManifest(folder: string): Promise<Map<string, StoredArtifact>> {
    let text: string;
    try {
      text = await fs.readFile(join(folder, manifestName), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw error;
    }
    // JSON.parse makes every key an own property, `__proto__` included, so entries() sees them all.
    return new Map(Object.entries(JSON.parse(text) as Record<string, StoredArtifact>));
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
