import type { ArtifactStore, StoredArtifact } from '../../core/ports/artifactStore';
import type { DeploymentTarget } from '../../core/ports/deploymentTarget';
import type { ChangeLineage } from '../../core/ports/runStore';
import type { FeedbackInbox } from '../../core/ports/feedbackInbox';
import type { RunStore } from '../../core/ports/runStore';
import type { Sandbox } from '../../core/ports/sandbox';
import type { SourceRepository } from '../../core/ports/sourceRepository';
import type { PhaseId } from '../../core/phases';
import type { AgentContext, ArtifactFile, ArtifactFolder, ArtifactRef, FolderIndex } from '../../core/agent';
import { folderFileKind, type ArtifactKind } from '../../core/artifactKinds';
import { contentTypeOf } from './contentTypes';

/**
 * The adapters agents work through, as the composition root chooses them from settings (tests pass their own).
 * Reached on first use: choosing one may fail (no sandbox inside the Functions host without a session pool), and
 * only the agents that need it fail then.
 */
export interface AgentPorts {
  sandbox: () => Sandbox;
  deploymentTarget: () => DeploymentTarget;
  /** Opens, creating when missing, the repository a run's code is committed to. */
  sourceRepository: (tenantId: string, runId: string, change?: ChangeLineage) => Promise<SourceRepository>;
  feedbackInbox: FeedbackInbox;
  runs: Pick<RunStore, 'get'>;
}

export interface AgentContextOptions {
  store: ArtifactStore;
  runId: string;
  tenantId: string;
  iteration: number;
  attempt: number;
  phase: PhaseId;
  agent: string;
  inputs: ArtifactRef[];
  change?: ChangeLineage;
  feedback?: string[];
  log?: (message: string) => void;
  /** What the agent may work through; one it is not given throws when the agent reaches for it. */
  ports?: Partial<AgentPorts>;
}

/** Where a phase attempt's artifacts live inside a run: paths are immutable, so attempts get their own folder. */
export function phaseFolder(iteration: number, phase: string, attempt: number): string {
  return `iteration-${iteration}/${phase}/attempt-${attempt}`;
}

/** A manifest entry this context wrote, with the kind it was written as. */
export type WrittenArtifact = StoredArtifact & { kind: ArtifactKind };

export interface RecordingAgentContext extends AgentContext {
  /** Everything written through this context, in order (what the agent returns to its orchestrator). */
  written(): WrittenArtifact[];
}

export function createAgentContext(options: AgentContextOptions): RecordingAgentContext {
  const { store, runId, tenantId, iteration, attempt, phase, agent } = options;
  const written: WrittenArtifact[] = [];
  const folder = phaseFolder(iteration, phase, attempt);
  const port = <K extends keyof AgentPorts>(name: K): AgentPorts[K] => {
    const found = options.ports?.[name];
    if (!found) throw new Error(`agent ${agent} was given no ${name}`);
    return found as AgentPorts[K];
  };

  const read = async (ref: ArtifactRef): Promise<string> => {
    const body = await store.get(tenantId, runId, ref.path);
    return body.toString('utf8');
  };
  const inputs = (kind: ArtifactKind) =>
    options.inputs
      .filter((ref) => ref.kind === kind)
      .map((ref) => ({
        ref,
        text: () => read(ref),
        json: async <T>() => JSON.parse(await read(ref)) as T,
      }));
  const one = (kind: ArtifactKind) => {
    const found = inputs(kind);
    if (found.length === 0) {
      throw new Error(`agent ${agent} needs an input artifact of kind '${kind}', but none was given`);
    }
    return found[found.length - 1];
  };

  const write = async (file: ArtifactFile): Promise<ArtifactRef> => {
    const entry = await store.put(tenantId, runId, `${folder}/${file.path}`, file.content, {
      kind: file.kind,
      phase,
      agent,
      contentType: file.contentType,
    });
    written.push({ ...entry, kind: file.kind });
    return { path: entry.path, sha256: entry.sha256, kind: file.kind };
  };

  return {
    runId,
    tenantId,
    iteration,
    attempt,
    phase,
    ...(options.change ? { change: options.change } : {}),
    feedback: options.feedback ?? [],
    inputs,
    inputText: (kind) => one(kind).text(),
    inputJson: <T>(kind: ArtifactKind) => one(kind).json<T>(),
    write,
    async writeFolder(target: ArtifactFolder): Promise<ArtifactRef> {
      const index: FolderIndex = {
        folder: target.folder,
        kind: target.kind,
        root: `${folder}/${target.folder}`,
        files: [],
      };
      for (const file of [...target.files].sort((a, b) => a.path.localeCompare(b.path))) {
        const entry = await store.put(tenantId, runId, `${index.root}/${file.path}`, file.content, {
          kind: folderFileKind(target.kind),
          phase,
          agent,
          contentType: contentTypeOf(file.path),
        });
        index.files.push({ path: file.path, bytes: entry.bytes, sha256: entry.sha256 });
      }
      return write({
        path: `${target.folder}/.folder.json`,
        kind: target.kind,
        contentType: 'application/vnd.factory.folder+json',
        content: JSON.stringify(index, null, 2),
      });
    },
    async readFolder(ref: ArtifactRef) {
      const index = JSON.parse(await read(ref)) as FolderIndex;
      return Promise.all(
        index.files.map(async (file) => ({
          path: file.path,
          content: await store.get(tenantId, runId, `${index.root}/${file.path}`),
        })),
      );
    },
    log: options.log ?? (() => undefined),
    sandbox: () => port('sandbox')(),
    deploymentTarget: () => port('deploymentTarget')(),
    sourceRepository: async () => port('sourceRepository')(tenantId, runId, options.change),
    userFeedback: async () => port('feedbackInbox').read(tenantId, runId),
    // A host without a run store (a harness running agents alone) has no run document: no options, no budget.
    run: async () => options.ports?.runs?.get(tenantId, runId),
    written: () => [...written],
  };
}
