import type { z } from 'zod';
import type { PhaseId } from '../orchestrations/phases';

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
  artifacts(output: O, ctx: AgentContext): ArtifactFile[] | Promise<ArtifactFile[]>;
}

/** What an agent activity returns to its orchestrator. */
export interface AgentResult {
  agent: string;
  artifacts: ArtifactRef[];
  summary: string;
}
