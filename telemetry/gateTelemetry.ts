import type { GateActivityInput } from '../core/workflowContracts';
import { telemetry, type Dimensions } from '../platform/telemetry';
import { metricNames } from './metricNames';
import { gateOf, phaseWork } from './runSpans';

/** The quality gate's evaluation as a dependency under the phase span, and its pass-rate measurement. */
export async function traceGate<T extends { passed: boolean }>(
  input: GateActivityInput,
  fn: () => Promise<T>,
): Promise<T> {
  const t = telemetry();
  const work = phaseWork(input);
  const span = work.span;
  const dims: Dimensions = { ...work.dims, gate: gateOf.get(input.phase) };
  const result = await t.withSpan(
    { kind: 'dependency', name: `quality gate ${input.phase}`, span, dims },
    fn,
    (r) => r.passed,
  );
  t.metric(metricNames.gatePassRate, result.passed ? 1 : 0, {}, { span, dims });
  return result;
}
