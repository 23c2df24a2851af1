import type { RunDocument } from '../core/ports/runStore';
import type { PublishEventInput } from '../core/workflowContracts';
import { telemetry, type Dimensions, type Scope, type Telemetry } from '../platform/telemetry';
import { metricNames } from './metricNames';
import { eventParent, gateOf, publishSpan, runDims, runTrace } from './runSpans';

function gateDims(input: PublishEventInput): Dimensions {
  if (typeof input.data.gate === 'string') return { gate: input.data.gate };
  if (input.name.startsWith('QualityGate') && input.phase) return { gate: gateOf.get(input.phase) };
  return {};
}

/** Publishing one factory event as a message span (`bus`: Service Bus, or the embedded bus locally). */
export async function tracePublish<T>(
  input: PublishEventInput,
  busAdapter: string,
  send: () => Promise<T>,
): Promise<T> {
  const dims: Dimensions = {
    ...runDims(input.runId, input.tenantId, input.phase),
    event: input.name,
    bus: busAdapter,
    ...gateDims(input),
  };
  return telemetry().withSpan(
    { kind: 'message', name: `publish factory.${input.name}`, span: publishSpan(input), dims },
    send,
  );
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
  const dims: Dimensions = {
    ...runDims(input.runId, input.tenantId, input.phase),
    ...gateDims(input),
    iteration: Number(input.data.iteration ?? 1),
  };
  if (typeof input.data.reason === 'string') dims.reason = input.data.reason;
  if (typeof input.data.outcome === 'string') dims.outcome = input.data.outcome;
  if (typeof input.data.message === 'string') dims.message = input.data.message.slice(0, 1000);
  const scope: Scope = { span: eventParent(input), dims };
  t.event(input.name, {}, scope, at);

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
      },
      start,
      ms,
      input.data.outcome === 'passed',
    );
    t.metric(metricNames.phaseDuration, ms, { attempt }, scope);
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
      },
      start,
      ms,
      input.name === 'RunCompleted',
    );
    t.metric(metricNames.runDuration, ms, { outcome: input.name }, runScope);
    t.metric(metricNames.iterationsPerRun, Number(input.data.iteration ?? doc.iteration), {}, runScope);
    t.metric(metricNames.runAgentCalls, doc.counters.agentCalls, {}, runScope);
    t.metric(
      metricNames.runTokens,
      doc.counters.promptTokens + doc.counters.completionTokens,
      {
        promptTokens: doc.counters.promptTokens,
        completionTokens: doc.counters.completionTokens,
        cachedTokens: doc.counters.cachedTokens,
      },
      runScope,
    );
    t.metric(metricNames.runEstimatedCost, doc.counters.estimatedCost, {}, runScope);
  }
}
