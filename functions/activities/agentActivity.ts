import type { InvocationContext } from '@azure/functions';
import type { AgentDefinition } from '../../core/agent';
import {
  BudgetExceededError,
  executeAgent,
  ModelCallError,
  type ModelUsage,
} from '../../agents/runtime/executeAgent';
import type { AgentActivityInput, AgentActivityResult } from '../../core/workflowContracts';
import { budgetStop } from '../../core/budget';
import type { RunDocument, UsageTotals } from '../../core/ports/runStore';
import { recordModelUsage, traceAgent } from '../../telemetry';
import { indexArtifacts } from '../../runs/runState';
import { composition } from '../compositionRoot';
import { stepContext } from './stepContext';

const addTotals = (into: UsageTotals | undefined, usage: ModelUsage): UsageTotals => ({
  calls: (into?.calls ?? 0) + usage.calls,
  cacheHits: (into?.cacheHits ?? 0) + usage.cacheHits,
  promptTokens: (into?.promptTokens ?? 0) + usage.promptTokens,
  completionTokens: (into?.completionTokens ?? 0) + usage.completionTokens,
  cachedTokens: (into?.cachedTokens ?? 0) + usage.cachedTokens,
  estimatedCost: Math.round(((into?.estimatedCost ?? 0) + usage.estimatedCost) * 1e6) / 1e6,
});

/** The figures telemetry measures (the usage also names its deployment, which is not a measurement). */
const tokensOf = ({ promptTokens, completionTokens, estimatedCost }: ModelUsage) => ({
  promptTokens,
  completionTokens,
  estimatedCost,
});

/** Adds one agent run's model use to the run's counters and to its per-agent and per-phase totals. */
export function recordUsage(doc: RunDocument, agent: string, phase: string, usage: ModelUsage): void {
  const c = doc.counters;
  c.promptTokens += usage.promptTokens;
  c.completionTokens += usage.completionTokens;
  c.cachedTokens += usage.cachedTokens;
  c.estimatedCost = Math.round((c.estimatedCost + usage.estimatedCost) * 1e6) / 1e6;
  const totals = (doc.usage ??= { byAgent: {}, byPhase: {} });
  totals.byAgent[agent] = addTotals(totals.byAgent[agent], usage);
  totals.byPhase[phase] = addTotals(totals.byPhase[phase], usage);
}

/**
 * The activity around every agent: budget check before the call, inputs resolved from the manifest, the
 * agent run through the chosen model provider with the composition's adapters in its context, its artifacts
 * indexed in the run document.
 */
export async function runAgentActivity(
  agent: AgentDefinition<unknown>,
  input: AgentActivityInput,
  context?: InvocationContext,
): Promise<AgentActivityResult> {
  return traceAgent(
    agent.name,
    input,
    () => runAgent(agent, input, context),
    (result) => result.status === 'done',
  );
}

async function runAgent(
  agent: AgentDefinition<unknown>,
  input: AgentActivityInput,
  context?: InvocationContext,
): Promise<AgentActivityResult> {
  const { ports, agents, modelProvider } = composition();
  const { artifacts, runs } = ports;
  const run = await runs.get(input.tenantId, input.runId);
  if (!run) throw new Error(`run ${input.runId} of tenant ${input.tenantId} does not exist`);
  const stop = budgetStop(run);
  if (stop) return { status: 'budget-exceeded', agent: agent.name, reason: stop };

  const ctx = await stepContext(artifacts, input, agent.name, {
    feedback: input.feedback,
    log: (message) => context?.log(`[${agent.name}] ${message}`),
    ports: agents,
  });
  const provider = modelProvider(input.model);
  let result: Awaited<ReturnType<typeof executeAgent>>;
  try {
    result = await executeAgent(agent, ctx, provider);
  } catch (error) {
    // Tokens spent on a failed answer (refused, filtered, cut off, schema-invalid) still count against the budget.
    if (error instanceof ModelCallError) {
      recordModelUsage(tokensOf(error.usage));
      await runs.update(input.tenantId, input.runId, (doc) =>
        recordUsage(doc, agent.name, input.phase, error.usage),
      );
    }
    if (error instanceof BudgetExceededError)
      return { status: 'budget-exceeded', agent: agent.name, reason: error.message };
    throw error;
  }
  if (result.usage) recordModelUsage(tokensOf(result.usage));
  await runs.update(input.tenantId, input.runId, (doc) => {
    indexArtifacts(doc, ctx.written());
    doc.counters.agentCalls += 1;
    if (result.usage) recordUsage(doc, agent.name, input.phase, result.usage);
  });
  return { status: 'done', agent: agent.name, artifacts: result.artifacts };
}
