import type { AgentDefinition, AgentResult } from '../../core/agent';
import type { UsageTotals } from '../../core/ports/runStore';
import type { RecordingAgentContext } from './agentContext';

/** What a language model cost for one agent run (all zero for the blueprint engine). */
export interface ModelUsage extends UsageTotals {
  deployment?: string;
}

/** An agent's raw structured output, and what producing it cost when a model was involved. */
export interface Generation {
  output: unknown;
  usage?: ModelUsage;
}

/** Produces an agent's structured output: the blueprint engine or a language model. */
export interface ModelProvider {
  readonly name: string;
  generate<O>(agent: AgentDefinition<O>, ctx: RecordingAgentContext): Promise<Generation>;
}

/** A provider failure after tokens were spent: the usage is still the run's to account for. */
export class ModelCallError extends Error {
  constructor(
    message: string,
    readonly usage: ModelUsage,
  ) {
    super(message);
    this.name = 'ModelCallError';
  }
}

/** The run's token or cost budget ran out between the calls of one agent: the agent stops with what it spent. */
export class BudgetExceededError extends ModelCallError {
  constructor(message: string, usage: ModelUsage) {
    super(message, usage);
    this.name = 'BudgetExceededError';
  }
}

/** The deterministic, offline provider: each agent's own rules. It is not a language model. */
export const blueprintProvider: ModelProvider = {
  name: 'blueprint',
  generate: async (agent, ctx) => ({ output: await agent.blueprint(ctx) }),
};

export class AgentOutputError extends Error {
  constructor(agent: string, issues: string[]) {
    super(`agent ${agent} produced output that does not match its schema: ${issues.join('; ')}`);
    this.name = 'AgentOutputError';
  }
}

/**
 * Runs one agent: generate, validate against the output schema, write the artifacts. Idempotent: the same
 * inputs write the same paths with the same content, and the artifact store treats that as a no-op.
 */
export async function executeAgent<O>(
  agent: AgentDefinition<O>,
  ctx: RecordingAgentContext,
  provider: ModelProvider = blueprintProvider,
): Promise<AgentResult & { usage?: ModelUsage }> {
  const { output: raw, usage } = await provider.generate(agent, ctx);
  const parsed = agent.output.safeParse(raw);
  if (!parsed.success) {
    throw new AgentOutputError(
      agent.name,
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  for (const item of await agent.artifacts(parsed.data, ctx)) {
    if ('folder' in item) await ctx.writeFolder(item);
    else await ctx.write(item);
  }
  // Files inside folders are reachable through their folder's index; the orchestrator gets the index only.
  const artifacts = ctx
    .written()
    .filter((entry) => !entry.kind.endsWith('-file'))
    .map(({ path, sha256, kind }) => ({ path, sha256, kind }));
  return {
    agent: agent.name,
    artifacts,
    summary: `${agent.role} wrote ${artifacts.length} artifact(s)`,
    ...(usage ? { usage } : {}),
  };
}
