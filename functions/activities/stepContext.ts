import { createAgentContext, type AgentContextOptions } from '../../agents/runtime/agentContext';
import type { ArtifactStore } from '../../core/ports/artifactStore';
import type { GateActivityInput } from '../../core/workflowContracts';
import { readManifest } from '../../runs/manifest';

/**
 * The context of one step of a phase attempt (an agent or the gate): it reads what the phase started from (the
 * manifest) followed by the outputs of earlier steps it was handed, and writes into the attempt's folder.
 */
export async function stepContext(
  store: ArtifactStore,
  input: GateActivityInput,
  agent: string,
  extra: Pick<AgentContextOptions, 'feedback' | 'log' | 'ports'> = {},
) {
  const fromManifest = await readManifest(store, input.tenantId, input.runId, input.manifest);
  return createAgentContext({
    store,
    runId: input.runId,
    tenantId: input.tenantId,
    iteration: input.iteration,
    attempt: input.attempt,
    phase: input.phase,
    agent,
    inputs: [...fromManifest, ...input.inputs],
    change: input.change,
    ...extra,
  });
}
