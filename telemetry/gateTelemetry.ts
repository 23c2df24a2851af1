import type { GateActivityInput } from '../core/workflowContracts';
import { telemetry, type Dimensions } from '../platform/telemetry';
import { metricNames } from './metricNames';
import { gateOf, runDims, runTrace } from './runSpans';

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
    { kind: 'dependency', name: `quality gate ${input.phase}`, span, dims },
    fn,
    (r) => r.passed,
  );
  t.metric(metricNames.gatePassRate, result.passed ? 1 : 0, {}, { span, dims });
  return result;
}
