import type { z } from 'zod';
import type { PhaseId } from './phases';

/** A reference to an artifact: all an orchestrator ever holds. */
export interface ArtifactRef {
  path: string;
  sha256: string;
  kind: string;
}

/** A file an agent writes; `path` is relative to the agent's phase folder. */
export interface ArtifactFile {
  path: string;
  kind: string;
  contentType: string;
  content: string | Buffer;
}

/**
 * A folder of files (generated source code, say), stored file by file under `<phase folder>/<folder>/` with an
 * index (`<folder>/.folder.json`, content type `application/vnd.factory.folder+json`) whose reference is
 * the one the orchestrator sees. Each file is registered with kind `<kind>-file`.
 */
export interface ArtifactFolder {
  folder: string;
  kind: string;
  files: Array<{ path: string; content: string | Buffer }>;
}

/** The index of an `ArtifactFolder`. */
export interface FolderIndex {
  folder: string;
  kind: string;
  /** Full artifact path of the folder inside the run. */
  root: string;
  files: Array<{ path: string; bytes: number; sha256: string }>;
}

/** What an agent sees while it works. Nothing here knows about Azure or Durable Functions. */
export interface AgentContext {
  runId: string;
  tenantId: string;
  iteration: number;
  attempt: number;
  phase: PhaseId;
  /** Findings from a failed gate or a reviewer's rejection, for a rerun. */
  feedback: string[];
  /** Artifacts given to the agent, by kind, in the order the orchestrator passed them. */
  inputs(kind: string): Array<{ ref: ArtifactRef; text(): Promise<string>; json<T = unknown>(): Promise<T> }>;
  /** Reads one input artifact of a kind as JSON; throws a clear error when absent. */
  inputJson<T = unknown>(kind: string): Promise<T>;
  /** Reads one input artifact of a kind as text; throws a clear error when absent. */
  inputText(kind: string): Promise<string>;
  /** Writes an artifact now (for agents that produce files while working, e.g. code executed in a sandbox). */
  write(file: ArtifactFile): Promise<ArtifactRef>;
  /** Writes a folder of files and its index; returns the index's reference. */
  writeFolder(folder: ArtifactFolder): Promise<ArtifactRef>;
  /** Reads every file of a folder artifact given the reference to its index. */
  readFolder(ref: ArtifactRef): Promise<Array<{ path: string; content: Buffer }>>;
  log(message: string): void;
}

/**
 * One agent, declared in one file: role, inputs, output schema, the prompt a language model would get, the
 * deterministic `blueprint` implementation, and how its structured output becomes artifacts.
 */
export interface AgentDefinition<O = unknown> {
  /** The activity function name, camelCase, e.g. `visionArchitect`. */
  name: string;
  /** The seed's role name, e.g. `Vision Architect`. */
  role: string;
  phase: PhaseId;
  /** What the agent is for, in one sentence. */
  purpose: string;
  /** Artifact kinds it reads. */
  reads: string[];
  /** Artifact kinds it writes. */
  writes: string[];
  output: z.ZodType<O>;
  prompt: { version: string; system: string; user: string };
  /** The deterministic, offline implementation. */
  blueprint(ctx: AgentContext): Promise<O>;
  /** Turns the validated output into artifact files. */
  artifacts(
    output: O,
    ctx: AgentContext,
  ): Array<ArtifactFile | ArtifactFolder> | Promise<Array<ArtifactFile | ArtifactFolder>>;
}

/** What an agent activity returns to its orchestrator. */
export interface AgentResult {
  agent: string;
  artifacts: ArtifactRef[];
  summary: string;
}
