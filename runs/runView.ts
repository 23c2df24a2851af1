import { phases, type PhaseId } from '../core/phases';
import type { RunDocument, RunStatus } from '../core/ports/runStore';

/**
 * The status a person should see: the run document's, unless the orchestration ended in a way the document
 * could not record (an orchestrator error, a termination), in which case the durable runtime status wins.
 */
export function effectiveStatus(
  doc: RunDocument,
  runtime?: { runtimeStatus: string; output?: unknown },
): { status: RunStatus; failure?: RunDocument['failure'] } {
  if (runtime?.runtimeStatus === 'Failed' && !['Failed', 'Rejected'].includes(doc.status)) {
    return {
      status: 'Failed',
      failure: { reason: 'orchestration-failed', message: String(runtime.output ?? '') },
    };
  }
  if (runtime?.runtimeStatus === 'Terminated' && doc.status !== 'Terminated') {
    return { status: 'Terminated', failure: { reason: 'cancelled', message: String(runtime.output ?? '') } };
  }
  return { status: doc.status, failure: doc.failure };
}

/**
 * A phase's state in a run: its latest attempt's, `Skipped` for a phase before the one a run on given artifacts
 * started at, else `NotStarted`.
 */
export function phaseState(doc: RunDocument, phase: PhaseId): string {
  const records = doc.phases.filter((p) => p.phase === phase);
  if (records.length) return records[records.length - 1].status;
  const first = doc.fromPhase ? phases.findIndex((p) => p.id === doc.fromPhase) : 0;
  return phases.findIndex((p) => p.id === phase) < first ? 'Skipped' : 'NotStarted';
}

/** Per phase, the latest attempt's state. */
export function phaseSummary(doc: RunDocument) {
  return phases.map((phase) => {
    const records = doc.phases.filter((p) => p.phase === phase.id);
    const last = records[records.length - 1];
    const gate = [...doc.gates].reverse().find((g) => g.phase === phase.id);
    return {
      phase: phase.id,
      title: phase.title,
      status: phaseState(doc, phase.id),
      attempts: records.length,
      iteration: last?.iteration,
      gate: gate
        ? { passed: gate.passed, failed: gate.criteria.filter((c) => !c.passed).map((c) => c.name) }
        : undefined,
    };
  });
}
