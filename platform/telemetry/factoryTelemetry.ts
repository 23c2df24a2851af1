import type { AgentActivityInput, GateActivityInput, PublishEventInput } from '../../core/workflowContracts';
import { phases } from '../../core/phases';
import type { RunDocument } from '../../core/ports/runStore';
import { runInstanceId } from '../runs/instanceIds';
import { deterministicSpanId, formatTraceparent, RunTrace, type SpanContext } from './traceContext';
import { telemetry, type Dimensions, type Scope, type Telemetry } from './telemetry';

/**
 * What the factory records, by name. Custom event names are the phase events' names (ADR 0017: the workbook
 * and the RunFailed alert read them); metric names are fixed by ADR 0017 (`TokensUsed`) and ADR 0060.
 */
export const metricNames = {
  tokensUsed: 'TokensUsed',
  estimatedCost: 'EstimatedCost',
  agentDuration: 'AgentDuration',
  agentFailures: 'AgentFailures',
  phaseDuration: 'PhaseDuration',
  gatePassRate: 'QualityGatePassRate',
  iterationsPerRun: 'IterationsPerRun',
  runDuration: 'RunDuration',
  runTokens: 'RunTokensUsed',
  runEstimatedCost: 'RunEstimatedCost',
  runAgentCalls: 'RunAgentCalls',
  sandboxExecutions: 'SandboxExecutions',
  commandsDeadLettered: 'CommandsDeadLettered',
} as const;

const gateOf = new Map<string, string>(phases.map((p) => [p.id, p.approvalGate]));

function runDims(runId: string, tenantId: string, phase?: string): Dimensions {
  return { runId, tenantId, ...(phase ? { phase } : {}) };
}

/** The trace of a tenant's run, keyed by the run's instance id. */
function runTrace(input: { tenantId: string; runId: string; traceparent?: string }): RunTrace {
  return new RunTrace(runInstanceId(input.tenantId, input.runId), input.traceparent);
}

/** The span of one phase attempt, as every activity of that attempt computes it. */
export function phaseSpan(input: {
  tenantId: string;
  runId: string;
  phase: string;
  iteration: number;
  attempt: number;
  traceparent?: string;
}): SpanContext {
  return runTrace(input).phase(input.phase, input.iteration, input.attempt);
}

/** The run's trace id: the Application Insights `operation_Id` of everything the run records. */
export function runOperationId(tenantId: string, runId: string, traceparent?: string): string {
  return runTrace({ tenantId, runId, traceparent }).traceId;
}

/**
 * Runs one agent activity inside its span (a dependency under the phase span), recording `AgentDuration`,
 * `AgentFailures` and the tokens the model reported during the call (`TokensUsed`, 0 for the offline engine).
 */
export async function traceAgent<T>(
  agent: string,
  input: AgentActivityInput,
  fn: () => Promise<T>,
  succeeded: (result: T) => boolean = () => true,
): Promise<T> {
  const t = telemetry();
  const trace = runTrace(input);
  const span = trace.child(trace.phase(input.phase, input.iteration, input.attempt));
  const dims: Dimensions = {
    ...runDims(input.runId, input.tenantId, input.phase),
    agent,
    iteration: input.iteration,
    attempt: input.attempt,
    model: input.model,
  };
  const usage = { promptTokens: 0, completionTokens: 0, estimatedCost: 0 };
  const started = Date.now();
  let failed = false;
  try {
    return await t.withSpan(
      { kind: 'dependency', name: `agent ${agent}`, span, dims, type: 'Agent', target: input.phase },
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

const usageByScope = new WeakMap<
  Scope,
  { promptTokens: number; completionTokens: number; estimatedCost: number }
>();

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

/** The quality gate's evaluation as a dependency under the phase span, and its pass-rate measurement. */
export async function traceGate<T extends { passed: boolean }>(
  input: GateActivityInput,
  fn: () => Promise<T>,
): Promise<T> {
  const t = telemetry();
  const trace = runTrace(input);
  const span = trace.child(trace.phase(input.phase, input.iteration, input.attempt));
  const dims: Dimensions = {
    ...runDims(input.runId, input.tenantId, input.phase),
    gate: gateOf.get(input.phase),
    iteration: input.iteration,
    attempt: input.attempt,
  };
  const result = await t.withSpan(
    {
      kind: 'dependency',
      name: `quality gate ${input.phase}`,
      span,
      dims,
      type: 'QualityGate',
      target: input.phase,
    },
    fn,
    (r) => r.passed,
  );
  t.metric(metricNames.gatePassRate, result.passed ? 1 : 0, {}, { span, dims });
  return result;
}

/** The span a published event hangs under: its phase attempt's, or the run's. */
function eventParent(input: PublishEventInput): SpanContext {
  const trace = runTrace(input);
  const iteration = Number(input.data.iteration ?? 1);
  const attempt = Number(input.data.attempt ?? 0);
  return input.phase && attempt > 0 ? trace.phase(input.phase, iteration, attempt) : trace.run();
}

/** The span of publishing one event: deterministic per occurrence, so the stored CloudEvent and the span agree. */
function publishSpan(input: PublishEventInput): SpanContext {
  const trace = runTrace(input);
  return trace.child(
    eventParent(input),
    deterministicSpanId(trace.instanceId, 'event', input.occurrence, input.name),
  );
}

/** The `traceparent` the CloudEvent carries: the publishing span, so subscribers continue the run's trace. */
export function eventTraceparent(input: PublishEventInput): string {
  return formatTraceparent(publishSpan(input));
}

/** Publishing one factory event as a dependency span (Service Bus, or the embedded bus locally). */
export async function tracePublish<T>(
  input: PublishEventInput,
  busAdapter: string,
  send: () => Promise<T>,
): Promise<T> {
  const dims: Dimensions = {
    ...runDims(input.runId, input.tenantId, input.phase),
    event: input.name,
    ...gateDims(input),
  };
  const serviceBus = busAdapter.startsWith('service-bus');
  return telemetry().withSpan(
    {
      kind: 'dependency',
      name: `publish factory.${input.name}`,
      span: publishSpan(input),
      dims,
      type: serviceBus ? 'Azure Service Bus' : 'InProc',
      target: serviceBus ? busAdapter : 'embedded event bus',
    },
    send,
  );
}

function gateDims(input: PublishEventInput): Dimensions {
  if (typeof input.data.gate === 'string') return { gate: input.data.gate };
  if (input.name.startsWith('QualityGate') && input.phase) return { gate: gateOf.get(input.phase) };
  return {};
}

/**
 * Telemetry for a factory event that was just published: the custom event of the same name, and what the
 * event closes: the phase span and `PhaseDuration` at PhaseCompleted; the run request, `RunDuration`,
 * `IterationsPerRun` and the run's token and cost totals (from the run document counters) at RunCompleted
 * and RunFailed. Call it once per event actually sent, so a re-run activity does not count twice.
 * `loadRun` is called only for the events that need the run document.
 */
export async function recordFactoryEvent(
  input: PublishEventInput,
  loadRun: () => Promise<RunDocument | undefined>,
): Promise<void> {
  const t = telemetry();
  if (!t.enabled) return;
  try {
    await recordEvent(t, input, loadRun);
  } catch (error) {
    // Telemetry never fails the work it observes (the event is already sent).
    process.stderr.write(`[telemetry] cannot record ${input.name}: ${(error as Error).message}\n`);
  }
}

async function recordEvent(
  t: Telemetry,
  input: PublishEventInput,
  loadRun: () => Promise<RunDocument | undefined>,
): Promise<void> {
  const needsRun = ['PhaseCompleted', 'RunCompleted', 'RunFailed'].includes(input.name);
  let doc: RunDocument | undefined;
  try {
    doc = needsRun ? await loadRun() : undefined;
  } catch (error) {
    // Telemetry never fails the work it observes: without the document the spans use the event's time.
    t.trace(
      `run document unavailable for telemetry: ${(error as Error).message}`,
      2,
      runDims(input.runId, input.tenantId),
    );
  }
  const at = new Date(input.at);
  const trace = runTrace(input);
  const parent = eventParent(input);
  const dims: Dimensions = {
    ...runDims(input.runId, input.tenantId, input.phase),
    ...gateDims(input),
    iteration: Number(input.data.iteration ?? 1),
  };
  if (typeof input.data.reason === 'string') dims.reason = input.data.reason;
  if (typeof input.data.outcome === 'string') dims.outcome = input.data.outcome;
  if (typeof input.data.message === 'string') dims.message = input.data.message.slice(0, 1000);
  const scope: Scope = { span: parent, dims };
  t.event(input.name, {}, {}, scope, at);

  if (input.name === 'PhaseCompleted' && input.phase) {
    const iteration = Number(input.data.iteration ?? 1);
    const attempt = Number(input.data.attempt ?? 1);
    const record = doc?.phases.find(
      (p) => p.phase === input.phase && p.iteration === iteration && p.attempt === attempt,
    );
    const start = record ? new Date(record.startedAt) : at;
    const ms = at.getTime() - start.getTime();
    t.span(
      {
        kind: 'dependency',
        name: `phase ${input.phase}`,
        span: trace.phase(input.phase, iteration, attempt),
        dims: { ...dims, attempt },
        type: 'Phase',
        target: input.phase,
      },
      start,
      ms,
      input.data.outcome === 'passed',
    );
    t.metric(metricNames.phaseDuration, ms, { attempt }, scope, at);
  }

  if ((input.name === 'RunCompleted' || input.name === 'RunFailed') && doc) {
    const start = new Date(doc.createdAt);
    const ms = at.getTime() - start.getTime();
    const runScope: Scope = { span: trace.run(), dims: runDims(input.runId, input.tenantId) };
    t.span(
      {
        kind: 'request',
        name: 'factory run',
        span: trace.run(),
        dims: { ...dims, title: doc.visionTitle, model: doc.options.model },
        target: 'software-factory',
      },
      start,
      ms,
      input.name === 'RunCompleted',
    );
    t.metric(metricNames.runDuration, ms, { outcome: input.name }, runScope, at);
    t.metric(metricNames.iterationsPerRun, Number(input.data.iteration ?? doc.iteration), {}, runScope, at);
    t.metric(metricNames.runAgentCalls, doc.counters.agentCalls, {}, runScope, at);
    t.metric(
      metricNames.runTokens,
      doc.counters.promptTokens + doc.counters.completionTokens,
      {
        promptTokens: doc.counters.promptTokens,
        completionTokens: doc.counters.completionTokens,
        cachedTokens: doc.counters.cachedTokens,
      },
      runScope,
      at,
    );
    t.metric(metricNames.runEstimatedCost, doc.counters.estimatedCost, {}, runScope, at);
  }
}

/** One sandbox execution (generated tests, services, load or chaos drivers), inside the ambient agent span. */
export function trackSandboxExecution(
  result: { exitCode: number | null; timedOut: boolean; durationMs: number },
  dims: Dimensions = {},
): void {
  telemetry().metric(metricNames.sandboxExecutions, 1, {
    exitCode: result.exitCode ?? 'none',
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    ...dims,
  });
}

/** Wraps a sandbox port so every execution is counted; the port itself stays unaware of telemetry. */
export function instrumentSandbox<
  R,
  T extends { exitCode: number | null; timedOut: boolean; durationMs: number },
>(sandbox: {
  readonly adapter: string;
  readonly isolation: string;
  run(request: R): Promise<T>;
}): { readonly adapter: string; readonly isolation: string; run(request: R): Promise<T> } {
  return {
    adapter: sandbox.adapter,
    isolation: sandbox.isolation,
    run: async (request: R) => {
      const result = await sandbox.run(request);
      trackSandboxExecution(result, { sandbox: sandbox.adapter });
      return result;
    },
  };
}

/** The trace of the run a command names; none when it names no run, or one too malformed to have an instance. */
function commandRunTrace(command: {
  runId?: string;
  tenantId?: string;
  traceparent?: string;
}): RunTrace | undefined {
  if (!command.runId || !command.tenantId) return undefined;
  try {
    return runTrace({ tenantId: command.tenantId, runId: command.runId, traceparent: command.traceparent });
  } catch {
    return undefined;
  }
}

/** A command message that was dead-lettered (invalid, or failed too often): counted and described. */
export function trackCommandDeadLettered(command: {
  type?: string;
  runId?: string;
  tenantId?: string;
  reason: string;
  description?: string;
  traceparent?: string;
}): void {
  const t = telemetry();
  const trace = commandRunTrace(command);
  const scope: Scope | undefined = trace && {
    span: trace.run(),
    dims: runDims(command.runId!, command.tenantId!),
  };
  const dims: Dimensions = {
    commandType: command.type ?? 'unknown',
    reason: command.reason,
    description: command.description?.slice(0, 1000),
    tenantId: command.tenantId,
  };
  t.metric(metricNames.commandsDeadLettered, 1, dims, scope);
  t.trace(
    `command ${command.type ?? '(unknown type)'} dead-lettered: ${command.reason}${command.description ? `: ${command.description}` : ''}`,
    3,
    dims,
    scope,
  );
}
