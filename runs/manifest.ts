import type { ArtifactRef } from '../core/agent';
import type { ArtifactStore } from '../core/ports/artifactStore';

/**
 * A context manifest: every artifact reference a phase starts from. Orchestrators pass one reference to it
 * instead of a growing list of references, so their payloads stay the same size however long the run.
 */
export interface ContextManifest {
  refs: ArtifactRef[];
}

export async function readManifest(
  store: ArtifactStore,
  tenantId: string,
  runId: string,
  ref: ArtifactRef,
): Promise<ArtifactRef[]> {
  const body = await store.get(tenantId, runId, ref.path);
  return (JSON.parse(body.toString('utf8')) as ContextManifest).refs;
}

/** Later outputs replace earlier ones of the same path; order is kept so "newest of a kind" is last. */
export function mergeRefs(base: ArtifactRef[], added: ArtifactRef[]): ArtifactRef[] {
  const paths = new Set(added.map((r) => r.path));
  return [...base.filter((r) => !paths.has(r.path)), ...added];
}

export async function writeManifest(
  store: ArtifactStore,
  tenantId: string,
  runId: string,
  path: string,
  refs: ArtifactRef[],
  phase: string,
): Promise<ArtifactRef> {
  const entry = await store.put(
    tenantId,
    runId,
    path,
    JSON.stringify({ refs } satisfies ContextManifest, null, 1),
    {
      kind: 'context-manifest',
      phase,
      agent: 'orchestrator',
      contentType: 'application/json',
    },
  );
  return { path: entry.path, sha256: entry.sha256, kind: entry.kind };
}
