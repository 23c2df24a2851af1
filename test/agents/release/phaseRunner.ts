import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import { createAgentContext, type AgentPorts } from '../../../agents/runtime/agentContext';
import { executeAgent } from '../../../agents/runtime/executeAgent';
import type { GateDefinition } from '../../../core/gate';
import type { ArtifactStore } from '../../../core/ports/artifactStore';
import type { PhaseId } from '../../../core/phases';
import { testingToDeploymentAgents } from '../../../agents/testing-to-deployment';
import { runAgents, type HarnessRun } from '../../support/agentHarness';

/**
 * Runs a phase's agents in order at a given iteration (the shared harness always runs iteration 1), working
 * through `ports`.
 */
export async function runPhase(
  store: ArtifactStore,
  agents: Array<AgentDefinition<unknown>>,
  refs: ArtifactRef[],
  options: {
    iteration: number;
    phase: PhaseId;
    ports: Partial<AgentPorts>;
    tenantId?: string;
    runId?: string;
  },
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
      ports: options.ports,
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

/**
 * A product as phase 5 receives it: `agents` (phases 1 and 2, or fixtures standing in for them) run on the vision
 * of `visionFile` (under examples/visions/), then the Testing-to-Deployment phase.
 */
export async function releasedProduct(
  agents: Array<AgentDefinition<unknown>>,
  visionFile: string,
  ports: Partial<AgentPorts>,
): Promise<{ built: HarnessRun; released: ArtifactRef[] }> {
  const visionText = readFileSync(join(__dirname, '../../../examples/visions', visionFile), 'utf8');
  const built = await runAgents(agents, { visionText, ports });
  const released = await runPhase(
    built.store,
    testingToDeploymentAgents as Array<AgentDefinition<unknown>>,
    built.refs,
    { iteration: 1, phase: 'testing-to-deployment', ports },
  );
  return { built, released };
}
