import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { activities, phaseOrchestration } from '../core/activities';
import type {
  ApprovalDecision,
  FactoryEventName,
  PhaseInput,
  PhaseResult,
  RunInput,
  RunStateChange,
} from '../core/workflowContracts';
import { phases, type Phase } from '../core/phases';
import { phaseInstanceId } from '../platform/runs/instanceIds';
import { callActivity, callSubOrchestration, type Step } from './callActivity';
import { publishRunEvent, recordRunState } from './runRecords';

export const approvalEventName = (gate: string) => `approval-${gate}`;

/**
 * A factory run: the phases in order, each a sub-orchestration; a failed gate sends the work back to its
 * rework phase with the findings; an approval gate waits for a person between phases; the next iteration
 * starts over from Vision with `continueAsNew`, so the history never grows across iterations.
 */
export function* factoryRun(context: OrchestrationContext): Step<unknown> {
  const run = new RunScope(context);
  const { options, iteration } = run.input;
  yield* run.publish(iteration === 1 ? 'RunStarted' : 'IterationStarted', 'start', {
    model: options.model,
    iterations: options.iterations,
  });
  yield* run.record({ kind: 'run-status', status: 'Running', iteration });

  // A run on artifacts a person gave starts at the phase after them.
  const first = run.input.fromPhase ? phases.findIndex((p) => p.id === run.input.fromPhase) : 0;
  // The manifest each phase starts from: a rerun sees what the first attempt saw (plus feedback), never the
  // outputs of the attempt it replaces.
  const entry: Array<RunInput['manifest']> = [];
  entry[first] = run.input.manifest;
  const attempts: Record<string, number> = {};
  const feedback: Record<string, string[]> = {};
  let reworks = 0;
  const maxReworks = options.maxReworks ?? 3;

  for (let index = first; index < phases.length;) {
    const phase = phases[index];
    const attempt = (attempts[phase.id] = (attempts[phase.id] ?? 0) + 1);
    run.status(phase, attempt, 'running');
    let result: PhaseResult;
    try {
      result = yield* callSubOrchestration(
        context,
        phaseOrchestration(phase),
        run.phaseInput(phase, attempt, entry[index], feedback[phase.id] ?? []),
        // Derived from this instance's own id, so the phases are as tenant-scoped as the run.
        phaseInstanceId(context.df.instanceId, phase.id, iteration, attempt),
      );
    } catch (error) {
      // The phase stopped before sealing itself, so nothing else ends its record: it would show as running.
      yield* run.record({ kind: 'phase-ended', phase: phase.id, iteration, attempt, status: 'Failed' });
      return yield* run.fail('phase-error', `${phase.title} failed: ${(error as Error).message}`, phase);
    }
    if (result.outcome === 'budget-exceeded') {
      // A blank reason would leave the run's failure message empty.
      return yield* run.fail('budget-exceeded', result.reason || 'the run budget is exhausted', phase);
    }
    if (result.outcome === 'failed') {
      if (reworks >= maxReworks) {
        const findings = result.findings.slice(0, 5).join('; ');
        return yield* run.fail(
          'gate-failed',
          `${phase.title} did not pass its gate after ${reworks} feedback loop(s): ${findings}`,
          phase,
        );
      }
      if (result.gate?.final)
        return yield* run.fail(
          'gate-failed',
          `${phase.title} did not pass its gate, and no rework can change that: ${result.findings.slice(0, 5).join('; ')}`,
          phase,
        );
      const target = phases.findIndex((p) => p.id === phase.reworkPhase);
      // The work to redo is a person's (the run started after the phase that would redo it): theirs to fix.
      if (target < first)
        return yield* run.fail(
          'gate-failed',
          `${phase.title} did not pass its gate on the artifacts given to the run: ${result.findings.slice(0, 5).join('; ')}`,
          phase,
        );
      reworks++;
      feedback[phase.reworkPhase] = result.findings;
      yield* run.publish(
        'FeedbackLoop',
        `${phase.id}:${attempt}:rework`,
        { from: phase.id, to: phase.reworkPhase, findings: result.findings.slice(0, 5) },
        phase,
      );
      index = target;
      continue;
    }
    delete feedback[phase.id];

    if (options.approvals.includes(phase.approvalGate)) {
      const decision = yield* run.approval(phase, attempt);
      if (decision.decision !== 'approve') {
        if (decision.decision === 'timeout' || decision.onReject === 'end') {
          return yield* run.reject(
            phase,
            decision.decision === 'timeout'
              ? 'approval timed out'
              : (decision.reason ?? 'rejected by reviewer'),
          );
        }
        if (reworks >= maxReworks)
          return yield* run.reject(
            phase,
            `${phase.title} was rejected after ${reworks} feedback loop(s): ${decision.reason ?? 'no reason given'}`,
          );
        reworks++;
        feedback[phase.id] = [
          `Reviewer rejected ${phase.title}${decision.by ? ` (${decision.by})` : ''}: ${decision.reason ?? 'no reason given'}`,
        ];
        continue;
      }
    }
    entry[++index] = result.manifest;
  }

  const manifest = entry[phases.length];
  if (iteration < options.iterations) {
    context.df.continueAsNew({ ...run.input, iteration: iteration + 1, manifest } satisfies RunInput);
    return undefined;
  }
  yield* run.record({ kind: 'run-status', status: 'Completed', iteration });
  yield* run.publish('RunCompleted', 'end', { manifest });
  yield* run.writeReport();
  context.df.setCustomStatus({ step: 'completed', iteration });
  return { status: 'Completed', iteration, manifest };
}

class RunScope {
  readonly input: RunInput;
  constructor(private readonly context: OrchestrationContext) {
    this.input = context.df.getInput() as RunInput;
  }

  status(phase: Phase, attempt: number, step: string, extra: Record<string, unknown> = {}): void {
    this.context.df.setCustomStatus({
      phase: phase.id,
      phaseTitle: phase.title,
      step,
      iteration: this.input.iteration,
      attempt,
      ...extra,
    });
  }

  phaseInput(phase: Phase, attempt: number, manifest: RunInput['manifest'], feedback: string[]): PhaseInput {
    const { runId, tenantId, iteration, options, traceparent, change } = this.input;
    return {
      runId,
      tenantId,
      phase: phase.id,
      iteration,
      attempt,
      model: options.model,
      manifest,
      feedback,
      traceparent,
      ...(change ? { change } : {}),
    };
  }

  *publish(
    name: FactoryEventName,
    occurrence: string,
    data: Record<string, unknown> = {},
    phase?: Phase,
  ): Step {
    yield* publishRunEvent(this.context, this.input, {
      name,
      phase: phase?.id,
      occurrence: `${this.input.iteration}:${occurrence}:${name}`,
      data: { iteration: this.input.iteration, ...data },
    });
  }

  *record(change: RunStateChange): Step {
    yield* recordRunState(this.context, this.input, change);
  }

  /** ApprovalRequested, then the first of the reviewer's decision and the deadline. */
  *approval(
    phase: Phase,
    attempt: number,
  ): Step<{
    decision: 'approve' | 'reject' | 'timeout';
    reason?: string;
    by?: string;
    onReject?: 'rerun' | 'end';
  }> {
    const { iteration } = this.input;
    const gate = phase.approvalGate;
    this.status(phase, attempt, 'waiting for approval', {
      waitingFor: `approval of '${gate}'`,
      approvalGate: gate,
    });
    yield* this.record({ kind: 'approval-requested', gate, iteration, attempt });
    yield* this.publish(
      'ApprovalRequested',
      `${phase.id}:${attempt}`,
      { gate, event: approvalEventName(gate) },
      phase,
    );
    yield* this.record({ kind: 'run-status', status: 'WaitingForApproval', iteration, phase: phase.id });

    const hours = this.input.options.approvalTimeoutHours ?? 72;
    const deadline = new Date(this.context.df.currentUtcDateTime.getTime() + hours * 3600 * 1000);
    const timer = this.context.df.createTimer(deadline);
    const event = this.context.df.waitForExternalEvent(approvalEventName(gate));
    const winner = yield this.context.df.Task.any([event, timer]);
    let decision: {
      decision: 'approve' | 'reject' | 'timeout';
      reason?: string;
      by?: string;
      onReject?: 'rerun' | 'end';
    };
    if (winner === event) {
      timer.cancel();
      const raised = (event.result ?? {}) as ApprovalDecision;
      decision = {
        decision: raised.decision === 'approve' ? 'approve' : 'reject',
        reason: raised.reason,
        by: raised.by,
        onReject: raised.onReject,
      };
    } else {
      decision = { decision: 'timeout', reason: `no decision within ${hours} h` };
    }
    yield* this.record({
      kind: 'approval-decided',
      gate,
      iteration,
      attempt,
      decision: decision.decision,
      reason: decision.reason,
      by: decision.by,
    });
    yield* this.publish(
      decision.decision === 'approve' ? 'ApprovalGranted' : 'ApprovalRejected',
      `${phase.id}:${attempt}`,
      { gate, reason: decision.reason, by: decision.by },
      phase,
    );
    yield* this.record({ kind: 'run-status', status: 'Running', iteration });
    return decision;
  }

  /** The run report (an artifact of kind `run-report`), written when the run ends. */
  *writeReport(): Step {
    yield* callActivity(this.context, activities.writeRunReport, {
      runId: this.input.runId,
      tenantId: this.input.tenantId,
      at: this.context.df.currentUtcDateTime.toISOString(),
    });
  }

  *fail(reason: string, message: string, phase?: Phase): Step<unknown> {
    yield* this.record({
      kind: 'run-status',
      status: 'Failed',
      reason,
      message,
      iteration: this.input.iteration,
      phase: phase?.id,
    });
    yield* this.publish('RunFailed', 'end', { reason, message }, phase);
    yield* this.writeReport();
    this.context.df.setCustomStatus({ step: 'failed', reason, message, iteration: this.input.iteration });
    return { status: 'Failed', reason, message };
  }

  *reject(phase: Phase, reason: string): Step<unknown> {
    yield* this.record({
      kind: 'run-status',
      status: 'Rejected',
      reason: 'rejected',
      message: reason,
      iteration: this.input.iteration,
      phase: phase.id,
    });
    yield* this.publish('RunFailed', 'end', { reason: 'rejected', message: reason }, phase);
    yield* this.writeReport();
    this.context.df.setCustomStatus({ step: 'rejected', reason, iteration: this.input.iteration });
    return { status: 'Rejected', reason };
  }
}

df.app.orchestration('factoryRun', factoryRun);
