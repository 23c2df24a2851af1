import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentContext, AgentDefinition, AgentResult, ArtifactRef, FolderIndex } from '../../core/agent';
import { folderFileKind } from '../../core/artifactKinds';
import { artifactFeedbackInbox } from '../../agents/blueprint/operations/feedbackInbox';
import { createAgentContext, type AgentPorts } from '../../agents/runtime/agentContext';
import { executeAgent } from '../../agents/runtime/executeAgent';
import { agentPortsFromSettings } from '../../functions/compositionRoot';
import { FilesystemArtifactStore } from '../../platform/artifacts/filesystemArtifactStore';
import type { GateCriterion, GateDefinition } from '../../core/gate';
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

/** Copies artifacts of one run into another (the harness keeps runs apart), returning the new references. */
export async function copyInto(from: HarnessRun, runId: string, refs: ArtifactRef[]): Promise<ArtifactRef[]> {
  const out: ArtifactRef[] = [];
  for (const ref of refs) {
    const body = await from.store.get(from.tenantId, from.runId, ref.path);
    const head = await from.store.head(from.tenantId, from.runId, ref.path);
    if (ref.path.endsWith('.folder.json')) {
      const index = JSON.parse(body.toString()) as FolderIndex;
      for (const file of index.files) {
        const content = await from.store.get(from.tenantId, from.runId, `${index.root}/${file.path}`);
        await from.store.put(from.tenantId, runId, `${index.root}/${file.path}`, content, {
          kind: folderFileKind(index.kind),
          phase: 'copy',
          agent: 'test',
          contentType: 'text/plain',
        });
      }
    }
    const entry = await from.store.put(from.tenantId, runId, ref.path, body, {
      kind: ref.kind,
      phase: head?.phase ?? 'copy',
      agent: head?.agent ?? 'test',
      contentType: head?.contentType ?? 'application/json',
    });
    out.push({ path: entry.path, sha256: entry.sha256, kind: ref.kind });
  }
  return out;
}

/** A phase's gate evaluated on what a harness run produced, as the gate activity of its first attempt sees it. */
export function evaluateGate(gate: GateDefinition, run: HarnessRun): Promise<GateCriterion[]> {
  return gate.evaluate(
    createAgentContext({
      store: run.store,
      runId: run.runId,
      tenantId: run.tenantId,
      iteration: 1,
      attempt: 1,
      phase: gate.phase,
      agent: 'gate',
      inputs: run.refs,
    }),
  );
}
