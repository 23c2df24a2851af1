import type { RunDocument } from './ports/runStore';

/** Model use not yet in the run's counters: the calls an agent has made so far. */
export interface Spent {
  promptTokens: number;
  completionTokens: number;
  estimatedCost: number;
}

const nothing: Spent = { promptTokens: 0, completionTokens: 0, estimatedCost: 0 };

/** Why the run's budget forbids another agent call, if it does (checked before every agent). */
export function budgetStop(doc: RunDocument): string | undefined {
  const budget = doc.options.budget;
  const c = doc.counters;
  if (budget?.maxAgentCalls !== undefined && c.agentCalls >= budget.maxAgentCalls) {
    return `budget-exceeded: ${c.agentCalls} agent calls made, the budget allows ${budget.maxAgentCalls}`;
  }
  return modelBudgetStop(doc);
}

/**
 * Why the run's token or cost budget forbids another model call, if it does: its counters plus what a running
 * agent spent so far (`spent`), between the calls of an agent that asks in parts.
 */
export function modelBudgetStop(doc: RunDocument, spent: Spent = nothing): string | undefined {
  const budget = doc.options.budget;
  if (!budget) return undefined;
  const c = doc.counters;
  const tokens = c.promptTokens + c.completionTokens + spent.promptTokens + spent.completionTokens;
  if (budget.maxTokens !== undefined && tokens >= budget.maxTokens) {
    return `budget-exceeded: ${tokens} tokens used, the budget allows ${budget.maxTokens}`;
  }
  const cost = c.estimatedCost + spent.estimatedCost;
  if (budget.maxCost !== undefined && cost >= budget.maxCost) {
    return `budget-exceeded: estimated cost ${cost.toFixed(4)} reached the budget of ${budget.maxCost}`;
  }
  return undefined;
}
