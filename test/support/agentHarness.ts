import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentContext, AgentDefinition, AgentResult, ArtifactRef } from '../../core/agent';
import { artifactFeedbackInbox } from '../../agents/blueprint/operations/feedbackInbox';
import { createAgentContext, type AgentPorts } from '../../agents/runtime/agentContext';
import { executeAgent } from '../../agents/runtime/executeAgent';
import { agentPortsFromSettings } from '../../functions/compositionRoot';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import type { PhaseId } from '../../core/phases';

export interface HarnessRun {
  store: FilesystemArtifactStore;
  tenantId: string;
  runId: string;
  /** What the agents worked through. */
  ports: Partial<AgentPorts>;
  refs: ArtifactRef[];
  results: AgentResult[];
  /** Reads the newest artifact of a kind. */
  text(kind: string): Promise<string>;
  json<T = unknown>(kind: string): Promise<T>;
  all(kind: string): ArtifactRef[];
}

/** The adapters agents get outside the factory: the settings' choice, keeping local state in `home`. */
export function testAgentPorts(
  home = mkdtempSync(join(tmpdir(), 'factory-home-')),
): Omit<AgentPorts, 'runs' | 'feedbackInbox'> {
  return agentPortsFromSettings(process.env, home);
}

/**
 * Runs agents one after another outside any orchestrator, each seeing every artifact written before it,
 * the way a phase passes references along. The vision text is the first input (kind `vision-text`). Agents work
 * through `ports`, by default `testAgentPorts()`.
 */
export async function runAgents(
  agents: Array<AgentDefinition<unknown>>,
  options: {
    visionText: string;
    phase?: PhaseId;
    inputs?: ArtifactRef[];
    store?: FilesystemArtifactStore;
    runId?: string;
    feedback?: string[];
    ports?: Partial<AgentPorts>;
  },
): Promise<HarnessRun> {
  const store = options.store ?? new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-agents-')));
  const ports = { feedbackInbox: artifactFeedbackInbox(store), ...(options.ports ?? testAgentPorts()) };
  const tenantId = 'test';
  const runId = options.runId ?? 'run-1';
  const vision = await store.put(tenantId, runId, 'vision.md', options.visionText, {
    kind: 'vision-text',
    phase: 'input',
    agent: 'user',
    contentType: 'text/markdown',
  });
  const refs: ArtifactRef[] = [
    { path: vision.path, sha256: vision.sha256, kind: 'vision-text' },
    ...(options.inputs ?? []),
  ];
  const results: AgentResult[] = [];
  for (const agent of agents) {
    const ctx = createAgentContext({
      store,
      runId,
      tenantId,
      iteration: 1,
      attempt: 1,
      phase: options.phase ?? agent.phase,
      agent: agent.name,
      inputs: refs,
      feedback: options.feedback,
      ports,
    });
    const result = await executeAgent(agent, ctx);
    results.push(result);
    refs.push(...result.artifacts);
  }
  const newest = (kind: string) => {
    const found = refs.filter((ref) => ref.kind === kind);
    if (found.length === 0) throw new Error(`no artifact of kind ${kind}`);
    return found[found.length - 1];
  };
  return {
    store,
    tenantId,
    runId,
    ports,
    refs,
    results,
    text: async (kind) => (await store.get(tenantId, runId, newest(kind).path)).toString('utf8'),
    json: async <T>(kind: string) =>
      JSON.parse((await store.get(tenantId, runId, newest(kind).path)).toString('utf8')) as T,
    all: (kind) => refs.filter((ref) => ref.kind === kind),
  };
}

/** The context a phase gate evaluates in: the run's artifacts (or the given references) as its inputs. */
export function gateContext(run: HarnessRun, phase: PhaseId, refs: ArtifactRef[] = run.refs): AgentContext {
  return createAgentContext({
    store: run.store,
    runId: run.runId,
    tenantId: run.tenantId,
    iteration: 1,
    attempt: 1,
    phase,
    agent: 'gate',
    inputs: refs,
  });
}
