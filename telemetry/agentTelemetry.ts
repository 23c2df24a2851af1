import type { AgentActivityInput } from '../core/workflowContracts';
import { telemetry, type Dimensions, type Scope } from '../platform/telemetry';
import { metricNames } from './metricNames';
import { phaseWork } from './runSpans';

interface Usage {
  promptTokens: number;
  completionTokens: number;
  estimatedCost: number;
}

const usageByScope = new WeakMap<Scope, Usage>();

/**
 * Runs one agent activity inside its span (a dependency `agent <name>` under the phase span), recording
 * `AgentDuration`, `AgentFailures` and the tokens the model reported during the call (`TokensUsed`, 0 for the
 * offline engine).
 */
export async function traceAgent<T>(
  agent: string,
  input: AgentActivityInput,
  fn: () => Promise<T>,
  succeeded: (result: T) => boolean = () => true,
): Promise<T> {
  const t = telemetry();
  const work = phaseWork(input);
  const span = work.span;
  const dims: Dimensions = { ...work.dims, agent, model: input.model };
  const usage: Usage = { promptTokens: 0, completionTokens: 0, estimatedCost: 0 };
  const started = Date.now();
  let failed = false;
  try {
    return await t.withSpan(
      { kind: 'dependency', name: `agent ${agent}`, span, dims },
      async (scope) => {
        usageByScope.set(scope, usage);
        return fn();
      },
      succeeded,
    );
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    const scope: Scope = { span, dims };
    t.metric(metricNames.agentDuration, Date.now() - started, {}, scope);
    if (failed) t.metric(metricNames.agentFailures, 1, {}, scope);
    t.metric(
      metricNames.tokensUsed,
      usage.promptTokens + usage.completionTokens,
      { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens },
      scope,
    );
    if (usage.estimatedCost > 0) t.metric(metricNames.estimatedCost, usage.estimatedCost, {}, scope);
  }
}

/**
 * A model provider reports what one model call used; the figures join the calling agent's `TokensUsed`.
 * Outside an agent span (a direct call in a test) it records nothing.
 */
export function recordModelUsage(usage: {
  promptTokens: number;
  completionTokens: number;
  estimatedCost?: number;
}): void {
  const scope = telemetry().current();
  const totals = scope && usageByScope.get(scope);
  if (!totals) return;
  for (const [name, value] of Object.entries(usage)) {
    if (value !== undefined && (!Number.isFinite(value) || value < 0))
      throw new RangeError(`model usage ${name} must be a non-negative number, got ${String(value)}`);
  }
  totals.promptTokens += usage.promptTokens;
  totals.completionTokens += usage.completionTokens;
  totals.estimatedCost += usage.estimatedCost ?? 0;
}
