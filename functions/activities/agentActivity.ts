import type { InvocationContext } from '@azure/functions';
import type { AgentDefinition } from '../../agents/agent';
import { createAgentContext } from '../../agents/runtime/agentContext';
import { executeAgent } from '../../agents/runtime/executeAgent';
import { modelProvider } from '../../agents/runtime/modelProviders';
import type { AgentActivityInput, AgentActivityResult } from '../../orchestrations/contracts';
import type { RunDocument } from '../../platform/ports/runStore';
import { ports } from '../../platform/runtime';
import { readManifest } from '../../runs/manifest';
import { indexArtifacts } from '../../runs/runState';

/** Why the run's budget forbids another agent call, if it does. */
export function budgetStop(doc: RunDocument): string | undefined {
  const budget = doc.options.budget;
  if (!budget) return undefined;
  const c = doc.counters;
  if (budget.maxAgentCalls !== undefined && c.agentCalls >= budget.maxAgentCalls) {
    return `budget-exceeded: ${c.agentCalls} agent calls made, the budget allows ${budget.maxAgentCalls}`;
  }
  const tokens = c.promptTokens + c.completionTokens;
  if (budget.maxTokens !== undefined && tokens >= budget.maxTokens) {
    return `budget-exceeded: ${tokens} tokens used, the budget allows ${budget.maxTokens}`;
  }
  if (budget.maxCost !== undefined && c.estimatedCost >= budget.maxCost) {
    return `budget-exceeded: estimated cost ${c.estimatedCost.toFixed(4)} reached the budget of ${budget.maxCost}`;
  }
  return undefined;
}

/**
 * The activity around every agent: budget check before the call, inputs resolved from the manifest, the
 * agent run through the chosen model provider, its artifacts indexed in the run document.
 */
export async function runAgentActivity(
  agent: AgentDefinition<unknown>,
  input: AgentActivityInput,
  context?: InvocationContext,
): Promise<AgentActivityResult> {
  const { artifacts, runs } = ports();
  const run = await runs.get(input.tenantId, input.runId);
  if (!run) throw new Error(`run ${input.runId} of tenant ${input.tenantId} does not exist`);
  const stop = budgetStop(run);
  if (stop) return { status: 'budget-exceeded', agent: agent.name, reason: stop };

  const fromManifest = await readManifest(artifacts, input.tenantId, input.runId, input.manifest);
  const ctx = createAgentContext({
    store: artifacts,
    runId: input.runId,
    tenantId: input.tenantId,
    iteration: input.iteration,
    attempt: input.attempt,
    phase: input.phase,
    agent: agent.name,
    inputs: [...fromManifest, ...input.inputs],
    feedback: input.feedback,
    log: (message) => context?.log(`[${agent.name}] ${message}`),
  });
  const result = await executeAgent(agent, ctx, modelProvider(input.model));
  await runs.update(input.tenantId, input.runId, (doc) => {
    indexArtifacts(doc, ctx.written());
    doc.counters.agentCalls += 1;
  });
  return { status: 'done', agent: agent.name, artifacts: result.artifacts };
}
