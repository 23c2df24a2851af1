import { activities } from '../../core/activities';
import { registerActivity } from './registerActivity';
import type { ArtifactRef } from '../../core/agent';
import type { SealPhaseInput } from '../../core/workflowContracts';
import { ports } from '../../platform/runtime';
import { mergeRefs, readManifest, writeManifest } from '../../runs/manifest';

/** Writes the manifest a phase hands on: what it started from plus what it produced. */
export async function sealPhase(input: SealPhaseInput): Promise<ArtifactRef> {
  const { artifacts } = ports();
  const base = await readManifest(artifacts, input.tenantId, input.runId, input.manifest);
  return writeManifest(
    artifacts,
    input.tenantId,
    input.runId,
    `iteration-${input.iteration}/manifests/${input.phase}-attempt-${input.attempt}.json`,
    mergeRefs(base, input.outputs),
    input.phase,
  );
}

registerActivity(activities.sealPhase, sealPhase);
