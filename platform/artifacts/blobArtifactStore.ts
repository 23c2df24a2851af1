import { Readable } from 'node:stream';
import { RestError, type ContainerClient } from '@azure/storage-blob';
import {
  ArtifactConflictError,
  ArtifactNotFoundError,
  type ArtifactMeta,
  type ArtifactStore,
  type StoredArtifact,
} from '../../core/ports/artifactStore';
import { storedEntry, validateArtifactPath, validateSegment, verified, verifiedStream } from './artifactPath';

/**
 * Artifacts as block blobs named `<tenantId>/<runId>/<path>`, one blob per file (generated folders are stored
 * file by file, see ADR 0021). The sha256 and the writer's metadata travel in the blob's own metadata, so the
 * content and its manifest entry are written in one request and can never disagree; the run's manifest is a
 * prefix listing.
 */
export class BlobArtifactStore implements ArtifactStore {
  readonly adapter = 'blob';
  private ready?: Promise<unknown>;

  constructor(private readonly container: ContainerClient) {}

  describeLocation(tenantId: string, runId: string): string {
    return `${this.container.url}/${this.prefix(tenantId, runId)}`;
  }

  async put(
    tenantId: string,
    runId: string,
    path: string,
    content: Buffer | string,
    meta: ArtifactMeta,
  ): Promise<StoredArtifact> {
    const name = this.blobName(tenantId, runId, path);
    const { body, entry } = storedEntry(path, content, meta);
    await this.ensureContainer();
    try {
      // If-None-Match: * makes the write create-only, so two writers of one path cannot both win.
      await this.container.getBlockBlobClient(name).uploadData(body, {
        blobHTTPHeaders: { blobContentType: entry.contentType },
        metadata: toMetadata(entry),
        conditions: { ifNoneMatch: '*' },
      });
      return entry;
    } catch (error) {
      if (!isStatus(error, 409) && !isStatus(error, 412)) throw error;
    }
    const existing = await this.head(tenantId, runId, path);
    if (!existing || existing.sha256 !== entry.sha256) throw new ArtifactConflictError(path);
    return existing;
  }

  async head(tenantId: string, runId: string, path: string): Promise<StoredArtifact | undefined> {
    const name = this.blobName(tenantId, runId, path);
    try {
      const properties = await this.container.getBlockBlobClient(name).getProperties();
      return fromMetadata(
        path,
        properties.metadata ?? {},
        properties.contentLength ?? 0,
        properties.contentType,
      );
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
  }

  async get(tenantId: string, runId: string, path: string): Promise<Buffer> {
    const { entry, body } = await this.download(tenantId, runId, path);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    return verified(entry, Buffer.concat(chunks));
  }

  /** The stream fails with `ArtifactCorruptError` at its end if the content does not match its hash. */
  async stream(
    tenantId: string,
    runId: string,
    path: string,
  ): Promise<{ entry: StoredArtifact; body: Readable }> {
    const { entry, body } = await this.download(tenantId, runId, path);
    return { entry, body: verifiedStream(entry, body) };
  }

  async list(tenantId: string, runId: string): Promise<StoredArtifact[]> {
    const prefix = this.prefix(tenantId, runId);
    const entries: StoredArtifact[] = [];
    try {
      for await (const blob of this.container.listBlobsFlat({ prefix, includeMetadata: true })) {
        entries.push(
          fromMetadata(
            blob.name.slice(prefix.length),
            blob.metadata ?? {},
            blob.properties.contentLength ?? 0,
            blob.properties.contentType,
          ),
        );
      }
    } catch (error) {
      if (isStatus(error, 404)) return [];
      throw error;
    }
    return entries.sort((a, b) => a.path.localeCompare(b.path));
  }

  private async download(
    tenantId: string,
    runId: string,
    path: string,
  ): Promise<{ entry: StoredArtifact; body: Readable }> {
    const name = this.blobName(tenantId, runId, path);
    try {
      const response = await this.container.getBlockBlobClient(name).download();
      const entry = fromMetadata(
        path,
        response.metadata ?? {},
        response.contentLength ?? 0,
        response.contentType,
      );
      const body = response.readableStreamBody;
      if (!body) throw new Error(`artifact ${path}: the blob service returned no body`);
      return { entry, body: body instanceof Readable ? body : Readable.from(body as AsyncIterable<Buffer>) };
    } catch (error) {
      if (isStatus(error, 404)) throw new ArtifactNotFoundError(path);
      throw error;
    }
  }

  private prefix(tenantId: string, runId: string): string {
    return `${validateSegment('tenantId', tenantId)}/${validateSegment('runId', runId)}/`;
  }

  private blobName(tenantId: string, runId: string, path: string): string {
    return this.prefix(tenantId, runId) + validateArtifactPath(path);
  }

  private ensureContainer(): Promise<unknown> {
    this.ready ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }
}

/** Blob metadata names must be identifiers and values ASCII, hence the URI encoding. */
function toMetadata(entry: StoredArtifact): Record<string, string> {
  return {
    sha256: entry.sha256,
    kind: encodeURIComponent(entry.kind),
    phase: encodeURIComponent(entry.phase),
    agent: encodeURIComponent(entry.agent),
  };
}

function fromMetadata(
  path: string,
  metadata: Record<string, string>,
  bytes: number,
  contentType: string | undefined,
): StoredArtifact {
  if (!metadata.sha256) {
    throw new Error(`artifact ${path} has no sha256 metadata; it was not written by the artifact store`);
  }
  return {
    path,
    bytes,
    sha256: metadata.sha256,
    kind: decodeURIComponent(metadata.kind ?? ''),
    phase: decodeURIComponent(metadata.phase ?? ''),
    agent: decodeURIComponent(metadata.agent ?? ''),
    contentType: contentType ?? 'application/octet-stream',
  };
}

function isStatus(error: unknown, status: number): boolean {
  return error instanceof RestError
    ? error.statusCode === status
    : (error as { statusCode?: number })?.statusCode === status;
}
