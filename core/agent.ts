import type { z } from 'zod';
import type { ArtifactKind, FolderKind } from './artifactKinds';
import type { PhaseId } from './phases';
import type { DeploymentTarget } from './ports/deploymentTarget';
import type { FeedbackEntry } from './ports/feedbackInbox';
import type { ChangeLineage, RunDocument } from './ports/runStore';
import type { Sandbox } from './ports/sandbox';
import type { SourceRepository } from './ports/sourceRepository';

/** A reference to an artifact: all an orchestrator ever holds. */
export interface ArtifactRef {
  path: string;
  sha256: string;
  kind: ArtifactKind;
}

/** A file an agent writes; `path` is relative to the agent's phase folder. */
export interface ArtifactFile {
  path: string;
  kind: ArtifactKind;
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
  kind: FolderKind;
  files: Array<{ path: string; content: string | Buffer }>;
}

/** The index of an `ArtifactFolder`. */
export interface FolderIndex {
  folder: string;
  kind: FolderKind;
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
  /** Set when the run changes a product an earlier run built. */
  change?: ChangeLineage;
  /** Findings from a failed gate or a reviewer's rejection, for a rerun. */
  feedback: string[];
  /** Artifacts given to the agent, by kind, in the order the orchestrator passed them. */
  inputs(
    kind: ArtifactKind,
  ): Array<{ ref: ArtifactRef; text(): Promise<string>; json<T = unknown>(): Promise<T> }>;
  /** Reads one input artifact of a kind as JSON; throws a clear error when absent. */
  inputJson<T = unknown>(kind: ArtifactKind): Promise<T>;
  /** Reads one input artifact of a kind as text; throws a clear error when absent. */
  inputText(kind: ArtifactKind): Promise<string>;
  /** Writes an artifact now (for agents that produce files while working, e.g. code executed in a sandbox). */
  write(file: ArtifactFile): Promise<ArtifactRef>;
  /** Writes a folder of files and its index; returns the index's reference. */
  writeFolder(folder: ArtifactFolder): Promise<ArtifactRef>;
  /** Reads every file of a folder artifact given the reference to its index. */
  readFolder(ref: ArtifactRef): Promise<Array<{ path: string; content: Buffer }>>;
  log(message: string): void;
  // The adapters an agent works through, chosen by the host that runs it. Each is reached on first use, so a host
  // without a sandbox or a deployment target still runs the agents that need neither; an absent one throws.
  /** Where generated code runs; throws, saying why, when this host may not run it. */
  sandbox(): Sandbox;
  /** Where the product is deployed, and what of it serves now. */
  deploymentTarget(): DeploymentTarget;
  /** The run's source repository, created on first use. */
  sourceRepository(): Promise<SourceRepository>;
  /** Feedback users gave on the run's deployed product. */
  userFeedback(): Promise<FeedbackEntry[]>;
  /** The run's document (its options and history); none where the host keeps no runs. */
  run(): Promise<RunDocument | undefined>;
}

/** What is common to every agent, declared in one file: role, inputs, output schema, implementation, artifacts. */
interface AgentBase<O> {
  /** The activity function name, camelCase, e.g. `visionArchitect`. */
  name: string;
  /** The seed's role name, e.g. `Vision Architect`. */
  role: string;
  phase: PhaseId;
  /** What the agent is for, in one sentence. */
  purpose: string;
  /** Artifact kinds it reads. */
  reads: ArtifactKind[];
  /** Artifact kinds it writes. */
  writes: ArtifactKind[];
  output: z.ZodType<O>;
  /** The deterministic, offline implementation; a tool agent's only one. */
  blueprint(ctx: AgentContext): Promise<O>;
  /** Turns the validated output into artifact files. */
  artifacts(
    output: O,
    ctx: AgentContext,
  ): Array<ArtifactFile | ArtifactFolder> | Promise<Array<ArtifactFile | ArtifactFolder>>;
}

/** Which configured model deployment answers an agent: `code` for source code (long outputs), `simple` for documents. */
export type ModelDeployment = 'code' | 'simple';

/** The prompt a language model gets; `{{<kind>}}` placeholders become the inputs of that kind. */
export interface AgentPrompt {
  /** Part of the response cache key: raise it when the prompt changes. */
  version: string;
  system: string;
  user: string;
}

/** One call of an answer asked in parts: what it covers, said to the model after the inputs. */
export interface AnswerPart {
  /** Unique within the agent's run (e.g. the features it covers); part of the response cache key. */
  id: string;
  focus: string;
  /** Input kinds this part's call goes without: they only matter to other parts (the frame's backlog). */
  leaves?: string[];
}

/**
 * How an agent whose answer grows with the product (a backlog grows with its features) asks for it in parts, so
 * that no call has to write more than a small answer: each part is one call with the whole prompt and a focus,
 * each answer valid against the agent's schema, and the merge makes the output (docs/adr/0074).
 */
export interface AnswerSplit<O> {
  /** The parts this run needs; one part or none means one call as usual. */
  parts(ctx: AgentContext): Promise<AnswerPart[]>;
  merge(answers: O[], ctx: AgentContext): O;
  /** The share of a whole answer a part asks for: sizes a part's answer without a model (the token bench). */
  pick(whole: O, part: AnswerPart): O;
  /**
   * What a part is told of the answers before it, after its focus, when later parts build on the first (the
   * contexts a domain model's frame drew); empty for none.
   */
  recall?(part: AnswerPart, earlier: O[]): string;
}

/** The text a part's call ends with: its focus, then what it is told of the earlier answers. */
export function partFocus<O>(split: AnswerSplit<O>, part: AnswerPart, earlier: O[]): string {
  const recalled = split.recall?.(part, earlier);
  return recalled ? `${part.focus}\n\n${recalled}` : part.focus;
}

/** An agent a language model can answer; under the blueprint provider its `blueprint` rules answer instead. */
export interface ModelAgentDefinition<O = unknown> extends AgentBase<O> {
  uses: 'model';
  deployment: ModelDeployment;
  prompt: AgentPrompt;
  split?: AnswerSplit<O>;
}

/**
 * An agent that measures or acts with tools (test runners, load and chaos drivers, scanners, deployers, probes).
 * Its report is what happened, which a model would invent, so it runs `blueprint` under every provider.
 */
export interface ToolAgentDefinition<O = unknown> extends AgentBase<O> {
  uses: 'tools';
}

/**
 * An agent that writes what follows from typed documents (OpenAPI from the domain model, services, clients,
 * migrations, tests, Bicep, pipelines, plans): a compiler does it exactly and for free, so it runs `blueprint`
 * under every provider. The model's understanding reaches its output through the documents it reads.
 */
export interface CompilerAgentDefinition<O = unknown> extends AgentBase<O> {
  uses: 'compiler';
}

/** A piece of code a model writes into a fixed slot of compiled code: one small call with only what it needs. */
export interface CodeSlot {
  /** Unique within the agent's run (e.g. the rule id); part of the response cache key. */
  id: string;
  system: string;
  user: string;
}

/** What the compiler and the slot's tests said of an answer: passed, or the output to show the model. */
export interface SlotCheck {
  passed: boolean;
  /** Compiler errors or failing tests, as the model should read them; empty when passed. */
  report: string;
  /**
   * Whether the answer may go into the product as it is: it compiled and stayed in its slot, even if it failed
   * its tests (then the product's own tests fail). An answer that did not is never compiled in.
   */
  usable: boolean;
}

/** Each answer a slot got, in order, and what its check said. */
export interface SlotResult {
  slot: CodeSlot;
  attempts: Array<{ body: string; check: SlotCheck }>;
}

/**
 * An agent whose model writes code only into fixed slots (a policy function's body for a rule no compiler can
 * type), one small call per slot, each answer compiled and tested in the sandbox, failures sent back with the
 * compiler's or the tests' output until it passes or `maxAttempts` answers were tried (docs/adr/0073). Without a
 * model its `blueprint` runs: it can write no slot, so it says which ones need a model.
 */
export interface SlotWriterAgentDefinition<O = unknown> extends AgentBase<O> {
  uses: 'slots';
  deployment: ModelDeployment;
  /** Part of the response cache key: raise it when the slot prompts change. */
  promptVersion: string;
  /** The slots this run needs, each with its messages. */
  slots(ctx: AgentContext): Promise<CodeSlot[]>;
  /** Compiles and tests one answer. */
  check(slot: CodeSlot, body: string, ctx: AgentContext): Promise<SlotCheck>;
  maxAttempts: number;
  /** The agent's output from every slot's answers. */
  assemble(results: SlotResult[], ctx: AgentContext): Promise<O>;
}

export type AgentDefinition<O = unknown> =
  | ModelAgentDefinition<O>
  | ToolAgentDefinition<O>
  | CompilerAgentDefinition<O>
  | SlotWriterAgentDefinition<O>;

/** What an agent activity returns to its orchestrator. */
export interface AgentResult {
  agent: string;
  artifacts: ArtifactRef[];
  summary: string;
}

/**
 * The id the product is known by outside the run: its deployment, its data and its repository. A run that
 * changes a product works on the product of its first run.
 */
export const productOf = (ctx: Pick<AgentContext, 'runId' | 'change'>): string =>
  ctx.change?.product ?? ctx.runId;
