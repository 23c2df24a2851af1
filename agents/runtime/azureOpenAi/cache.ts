import { createHash } from 'node:crypto';
import { ArtifactConflictError, type ArtifactStore } from '../../../core/ports/artifactStore';
import type { ModelUsage } from '../executeAgent';
import type { ChatMessage, RenderedInput } from './prompt';
import type { CacheScope } from './settings';

/** Everything that decides what a model is asked; equal parts, equal key. */
export interface CacheKeyParts {
  agent: string;
  promptVersion: string;
  deployment: string;
  /** sha256 of the response schema sent, so a changed output schema is a different question. */
  schemaSha256: string;
  /** sha256 of the rendered messages (template, inputs as trimmed, feedback). */
  messagesSha256: string;
  inputs: Array<Pick<RenderedInput, 'kind' | 'name' | 'sha256'>>;
  feedback: string[];
  /**
   * The phase attempt and iteration: a rework that gets the same findings again must not get the answer that
   * already failed, and a new iteration is new work. A rerun (same vision, same attempt) still hits.
   */
  iteration: number;
  attempt: number;
}

export interface CacheEntry {
  key: string;
  parts: CacheKeyParts;
  createdAt: string;
  /** What the answer cost when it was bought. */
  usage: ModelUsage;
  output: unknown;
  /** The messages sent, for audit: what the model saw. */
  messages: ChatMessage[];
}

export function cacheKey(parts: CacheKeyParts): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export const sha256Of = (value: unknown): string =>
  createHash('sha256')
    .update(typeof value === 'string' ? value : JSON.stringify(value))
    .digest('hex');

/**
 * Where cached responses are kept: in the artifact store, under a pseudo-run `model-cache.responses` per
 * tenant (scope `tenant`: a rerun or a new run with the same vision reuses answers), or inside the run
 * (scope `run`: only retries and replays of this run reuse them). Run ids cannot contain `.`, so the
 * pseudo-run never collides with a real one.
 */
export const tenantCacheRun = 'model-cache.responses';

export interface ResponseCache {
  get(tenantId: string, runId: string, key: string): Promise<CacheEntry | undefined>;
  put(tenantId: string, runId: string, entry: CacheEntry): Promise<void>;
}

export class ArtifactResponseCache implements ResponseCache {
  constructor(
    private readonly store: ArtifactStore,
    private readonly scope: Exclude<CacheScope, 'off'>,
  ) {}

  private where(tenantId: string, runId: string, key: string): [string, string] {
    return this.scope === 'tenant'
      ? [tenantCacheRun, `cache/${key}.json`]
      : [runId, `cache/model/${key}.json`];
  }

  async get(tenantId: string, runId: string, key: string): Promise<CacheEntry | undefined> {
    const [run, path] = this.where(tenantId, runId, key);
    if (!(await this.store.head(tenantId, run, path))) return undefined;
    const entry = JSON.parse((await this.store.get(tenantId, run, path)).toString('utf8')) as CacheEntry;
    return entry.key === key ? entry : undefined;
  }

  async put(tenantId: string, runId: string, entry: CacheEntry): Promise<void> {
    const [run, path] = this.where(tenantId, runId, entry.key);
    try {
      await this.store.put(tenantId, run, path, JSON.stringify(entry), {
        kind: 'model-response',
        phase: 'model-cache',
        agent: entry.parts.agent,
        contentType: 'application/json',
      });
    } catch (error) {
      // Two concurrent calls with the same key both answered; the first stored answer stands.
      if (!(error instanceof ArtifactConflictError)) throw error;
    }
  }
}
