import { phases } from '../core/phases';
import type { PhaseInput, PublishEventInput } from '../core/workflowContracts';
import { runInstanceId } from '../platform/runs/instanceIds';
import {
  deterministicSpanId,
  formatTraceparent,
  RunTrace,
  type Dimensions,
  type SpanContext,
} from '../platform/telemetry';

/** The dimensions every item of a run carries (the workbook and the RunFailed alert filter on them). */
export function runDims(runId: string, tenantId: string, phase?: string): Dimensions {
  return { runId, tenantId, ...(phase ? { phase } : {}) };
}

/** The approval gate named after each phase (dimension `gate`). */
export const gateOf = new Map<string, string>(phases.map((p) => [p.id, p.approvalGate]));

/** The trace of a tenant's run, keyed by the run's instance id. */
export function runTrace(input: { tenantId: string; runId: string; traceparent?: string }): RunTrace {
  return new RunTrace(runInstanceId(input.tenantId, input.runId), input.traceparent);
}

/** A phase attempt's work (an agent, the gate): its own span under the phase span, with the run's dimensions. */
export function phaseWork(
  input: Pick<PhaseInput, 'runId' | 'tenantId' | 'traceparent' | 'phase' | 'iteration' | 'attempt'>,
): { span: SpanContext; dims: Dimensions } {
  const trace = runTrace(input);
  return {
    span: trace.child(trace.phase(input.phase, input.iteration, input.attempt)),
    dims: {
      ...runDims(input.runId, input.tenantId, input.phase),
      iteration: input.iteration,
      attempt: input.attempt,
    },
  };
}

/** The run's trace id: the Application Insights `operation_Id` of everything the run records. */
export function runOperationId(tenantId: string, runId: string, traceparent?: string): string {
  return runTrace({ tenantId, runId, traceparent }).traceId;
}

/** The span a published event hangs under: its phase attempt's, or the run's. */
export function eventParent(input: PublishEventInput): SpanContext {
  const trace = runTrace(input);
  const iteration = Number(input.data.iteration ?? 1);
  const attempt = Number(input.data.attempt ?? 0);
  return input.phase && attempt > 0 ? trace.phase(input.phase, iteration, attempt) : trace.run();
}

/** The span of publishing one event: deterministic per occurrence, so the stored CloudEvent and the span agree. */
export function publishSpan(input: PublishEventInput): SpanContext {
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
