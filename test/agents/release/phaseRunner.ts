import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { executeAgent } from '../../../agents/runtime/executeAgent';
import type { GateDefinition } from '../../../core/gate';
import type { ArtifactStore } from '../../../core/ports/artifactStore';
import type { PhaseId } from '../../../core/phases';

/** Runs a phase's agents in order at a given iteration (the shared harness always runs iteration 1). */
export async function runPhase(
  store: ArtifactStore,
  agents: Array<AgentDefinition<unknown>>,
  refs: ArtifactRef[],
  options: { iteration: number; phase: PhaseId; tenantId?: string; runId?: string },
): Promise<ArtifactRef[]> {
  const all = [...refs];
  for (const agent of agents) {
    const ctx = createAgentContext({
      store,
      runId: options.runId ?? 'run-1',
      tenantId: options.tenantId ?? 'test',
      iteration: options.iteration,
      attempt: 1,
      phase: options.phase,
      agent: agent.name,
      inputs: all,
    });
    all.push(...(await executeAgent(agent, ctx)).artifacts);
  }
  return all;
}

export function evaluate(store: ArtifactStore, gate: GateDefinition, refs: ArtifactRef[], iteration = 1) {
  return gate.evaluate(
    createAgentContext({
      store,
      runId: 'run-1',
      tenantId: 'test',
      iteration,
      attempt: 1,
      phase: gate.phase,
      agent: 'gate',
      inputs: refs,
    }),
  );
}

export async function readJson<T>(
  store: ArtifactStore,
  refs: ArtifactRef[],
  kind: string,
  pathEnd = '.json',
): Promise<T> {
  const found = refs.filter((r) => r.kind === kind && r.path.endsWith(pathEnd));
  if (!found.length) throw new Error(`no ${kind} artifact ending in ${pathEnd}`);
  return JSON.parse((await store.get('test', 'run-1', found[found.length - 1].path)).toString('utf8')) as T;
}
