import type { ArtifactStore, StoredArtifact } from '../../platform/ports/artifactStore';
import type { PhaseId } from '../../orchestrations/phases';
import type { AgentContext, ArtifactFile, ArtifactRef } from '../agent';

export interface AgentContextOptions {
  store: ArtifactStore;
  runId: string;
  tenantId: string;
  iteration: number;
  attempt: number;
  phase: PhaseId;
  agent: string;
  inputs: ArtifactRef[];
  feedback?: string[];
  log?: (message: string) => void;
}

/** Where a phase attempt's artifacts live inside a run: paths are immutable, so attempts get their own folder. */
export function phaseFolder(iteration: number, phase: string, attempt: number): string {
  return `iteration-${iteration}/${phase}/attempt-${attempt}`;
}

export interface RecordingAgentContext extends AgentContext {
  /** Everything written through this context, in order (what the agent returns to its orchestrator). */
  written(): StoredArtifact[];
}

export function createAgentContext(options: AgentContextOptions): RecordingAgentContext {
  const { store, runId, tenantId, iteration, attempt, phase, agent } = options;
  const written: StoredArtifact[] = [];
  const folder = phaseFolder(iteration, phase, attempt);

  const read = async (ref: ArtifactRef): Promise<string> => {
    const body = await store.get(tenantId, runId, ref.path);
    return body.toString('utf8');
  };
  const inputs = (kind: string) =>
    options.inputs
      .filter((ref) => ref.kind === kind)
      .map((ref) => ({
        ref,
        text: () => read(ref),
        json: async <T>() => JSON.parse(await read(ref)) as T,
      }));
  const one = (kind: string) => {
    const found = inputs(kind);
    if (found.length === 0) {
      throw new Error(`agent ${agent} needs an input artifact of kind '${kind}', but none was given`);
    }
    return found[found.length - 1];
  };

  return {
    runId,
    tenantId,
    iteration,
    attempt,
    phase,
    feedback: options.feedback ?? [],
    inputs,
    inputText: (kind) => one(kind).text(),
    inputJson: <T>(kind: string) => one(kind).json<T>(),
    async write(file: ArtifactFile): Promise<ArtifactRef> {
      const entry = await store.put(tenantId, runId, `${folder}/${file.path}`, file.content, {
        kind: file.kind,
        phase,
        agent,
        contentType: file.contentType,
      });
      written.push(entry);
      return { path: entry.path, sha256: entry.sha256, kind: entry.kind };
    },
    log: options.log ?? (() => undefined),
    written: () => [...written],
  };
}
