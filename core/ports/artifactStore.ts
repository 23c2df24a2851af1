import type { Readable } from 'node:stream';
import type { ArtifactKind } from '../artifactKinds';

/** What a writer says about an artifact; the store adds path, size and hash. */
export interface ArtifactMeta {
  kind: ArtifactKind;
  phase: string;
  agent: string;
  contentType: string;
}

/** One entry of a run's artifact manifest. */
export interface StoredArtifact extends Omit<ArtifactMeta, 'kind'> {
  /**
   * The kind as recorded. Kept a string: the manifest is read back from storage, which may hold kinds another
   * version of the factory wrote; `isArtifactKind` checks one where it must be a kind this version knows.
   */
  kind: string;
  /** Path inside the run, `/`-separated, never absolute, never containing `..`. */
  path: string;
  bytes: number;
  sha256: string;
}

/**
 * Artifact storage (Blob Storage in Azure, the filesystem locally). Paths are immutable: writing the same
 * content again is a no-op that returns the same entry; different content under an existing path is an error
 * (`ArtifactConflictError`). Reads verify the sha256 recorded at write time (`ArtifactCorruptError`).
 */
export interface ArtifactStore {
  /** Adapter name for diagnostics: `filesystem` or `blob`. */
  readonly adapter: string;
  put(
    tenantId: string,
    runId: string,
    path: string,
    content: Buffer | string,
    meta: ArtifactMeta,
  ): Promise<StoredArtifact>;
  get(tenantId: string, runId: string, path: string): Promise<Buffer>;
  stream(tenantId: string, runId: string, path: string): Promise<{ entry: StoredArtifact; body: Readable }>;
  head(tenantId: string, runId: string, path: string): Promise<StoredArtifact | undefined>;
  list(tenantId: string, runId: string): Promise<StoredArtifact[]>;
  /** A location a person can open (folder or URL), for CLI output. */
  describeLocation(tenantId: string, runId: string): string;
}

export class ArtifactConflictError extends Error {
  constructor(readonly path: string) {
    super(`artifact ${path} already exists with different content; artifact paths are immutable`);
    this.name = 'ArtifactConflictError';
  }
}

export class ArtifactNotFoundError extends Error {
  constructor(readonly path: string) {
    super(`artifact ${path} not found`);
    this.name = 'ArtifactNotFoundError';
  }
}

export class ArtifactCorruptError extends Error {
  constructor(
    readonly path: string,
    expected: string,
    actual: string,
  ) {
    super(`artifact ${path} is corrupt: sha256 ${actual} does not match the recorded ${expected}`);
    this.name = 'ArtifactCorruptError';
  }
}
