import { z } from 'zod';
import type { ArtifactRef } from '../core/agent';
import { isArtifactKind, type ArtifactKind } from '../core/artifactKinds';
import type { ArtifactStore } from '../core/ports/artifactStore';

/**
 * A context manifest: every artifact reference a phase starts from. Orchestrators pass one reference to it
 * instead of a growing list of references, so their payloads stay the same size however long the run.
 */
export interface ContextManifest {
  refs: ArtifactRef[];
}

// A manifest is read back from storage, where another version of the factory may have written it: a kind this
// version does not know fails here, by name, rather than as an input an agent never receives.
const contextManifestSchema = z.object({
  refs: z.array(
    z.object({
      path: z.string(),
      sha256: z.string(),
      kind: z.custom<ArtifactKind>((value) => typeof value === 'string' && isArtifactKind(value), {
        error: (issue) => `unknown artifact kind ${JSON.stringify(issue.input)}`,
      }),
    }),
  ),
});

export async function readManifest(
  store: ArtifactStore,
  tenantId: string,
  runId: string,
  ref: ArtifactRef,
): Promise<ArtifactRef[]> {
  const body = await store.get(tenantId, runId, ref.path);
  const parsed = contextManifestSchema.safeParse(JSON.parse(body.toString('utf8')));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`context manifest ${ref.path} cannot be read: ${issues.slice(0, 5).join('; ')}`);
  }
  return parsed.data.refs;
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
  return { path: entry.path, sha256: entry.sha256, kind: 'context-manifest' };
}
