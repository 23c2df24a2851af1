import type { OrchestrationContext } from 'durable-functions';
import { activities, agentActivity, type Activity } from '../core/activities';
import type { AgentDefinition, ArtifactRef } from '../core/agent';
import type {
  AgentActivityInput,
  AgentActivityResult,
  FactoryEventName,
  GateActivityResult,
  PhaseInput,
  PhaseResult,
  RunStateChange,
  SealPhaseInput,
} from '../core/workflowContracts';
import { phaseById } from '../core/phases';
import { callActivities, callActivity, type Step } from './callActivity';
import { publishRunEvent, recordRunState } from './runRecords';

export class BudgetExceeded extends Error {
  // Stryker disable next-line StringLiteral: the error never leaves phaseOrchestrator, which tells it by class
  override name = 'BudgetExceeded';
}

const maxFindings = 25;
const maxFindingLength = 400;

/**
 * The mechanics every phase orchestrator shares: calling agents (one by one or in parallel) with retries,
 * the quality gate, events, run-state records and custom status. Phase orchestrators only say which agents
 * run in which order, like the seed's sequence diagrams.
 */
export class PhaseScope {
  readonly input: PhaseInput;
  /** This attempt's outputs so far, in order. */
  readonly outputs: ArtifactRef[] = [];
  lastGate: GateActivityResult | undefined;

  constructor(readonly context: OrchestrationContext) {
    this.input = context.df.getInput() as PhaseInput;
  }

  get title(): string {
    return phaseById(this.input.phase).title;
  }

  status(step: string, extra: Record<string, unknown> = {}): void {
    const { phase, iteration, attempt } = this.input;
    this.context.df.setCustomStatus({ phase, phaseTitle: this.title, step, iteration, attempt, ...extra });
  }

  *begin(): Step {
    this.status('starting');
    yield* this.record({
      kind: 'phase-started',
      phase: this.input.phase,
      iteration: this.input.iteration,
      attempt: this.input.attempt,
      feedback: this.input.feedback,
    });
    yield* this.publish('PhaseStarted', {
      title: this.title,
      attempt: this.input.attempt,
      feedback: this.input.feedback.length,
    });
  }

  /** One agent, then its outputs join the phase's. */
  *agent(agent: AgentDefinition<unknown>): Step<ArtifactRef[]> {
    this.status(agent.role, { agents: [agent.name] });
    const result = yield* callActivity(this.context, agentActivity(agent), this.agentInput(agent));
    return this.accept(result);
  }

  /** Agents that work at the same time (the seed's `par`): one Task.all. */
  *parallel(agents: Array<AgentDefinition<unknown>>): Step<ArtifactRef[]> {
    this.status(agents.map((a) => a.role).join(' | '), { agents: agents.map((a) => a.name) });
    const calls = agents.map(
      (agent): [Activity<AgentActivityInput, AgentActivityResult>, AgentActivityInput] => [
        agentActivity(agent),
        this.agentInput(agent),
      ],
    );
    const results = yield* callActivities(this.context, calls);
    return results.flatMap((result) => this.accept(result));
  }

  /** The phase's quality gate; publishes QualityGatePassed or QualityGateFailed. */
  *gate(): Step<GateActivityResult> {
    this.status('quality gate');
    const gate = yield* callActivity(this.context, activities.evaluateGate, {
      ...this.activityBase(),
      inputs: this.outputs,
    });
    this.lastGate = gate;
    yield* this.publish(gate.passed ? 'QualityGatePassed' : 'QualityGateFailed', {
      report: gate.report,
      criteria: gate.criteria,
      findings: gate.findings.slice(0, 5),
    });
    return gate;
  }

  *publish(name: FactoryEventName, data: Record<string, unknown> = {}): Step {
    const { phase, iteration, attempt } = this.input;
    yield* publishRunEvent(this.context, this.input, {
      name,
      phase,
      occurrence: `${iteration}:${phase}:${attempt}:${name}`,
      data: { iteration, attempt, ...data },
    });
  }

  *record(change: RunStateChange): Step {
    yield* recordRunState(this.context, this.input, change);
  }

  /** Seals the phase: writes the manifest with its outputs, records the end and publishes PhaseCompleted. */
  *end(outcome: PhaseResult['outcome'], reason?: string): Step<PhaseResult> {
    const { runId, tenantId, phase, iteration, attempt, manifest } = this.input;
    this.status(outcome === 'passed' ? 'completed' : outcome);
    const sealed: SealPhaseInput = {
      runId,
      tenantId,
      phase,
      iteration,
      attempt,
      manifest,
      outputs: this.outputs,
    };
    const next = yield* callActivity(this.context, activities.sealPhase, sealed);
    yield* this.record({
      kind: 'phase-ended',
      phase,
      iteration,
      attempt,
      status: outcome === 'passed' ? 'Completed' : 'Failed',
    });
    yield* this.publish('PhaseCompleted', { outcome, manifest: next, ...(reason ? { reason } : {}) });
    const gate = this.lastGate;
    return {
      phase,
      outcome,
      manifest: next,
      reason,
      findings: (gate?.passed === false ? gate.findings : reason ? [reason] : [])
        .slice(0, maxFindings)
        .map((f) => (f.length > maxFindingLength ? `${f.slice(0, maxFindingLength)}…` : f)),
      gate: gate && {
        passed: gate.passed,
        criteria: gate.criteria,
        report: gate.report,
        ...(gate.final ? { final: true } : {}),
      },
    };
  }

  private activityBase(): Omit<AgentActivityInput, 'inputs' | 'feedback'> {
    const { runId, tenantId, phase, iteration, attempt, model, manifest, traceparent, change } = this.input;
    return {
      runId,
      tenantId,
      phase,
      iteration,
      attempt,
      model,
      manifest,
      traceparent,
      ...(change ? { change } : {}),
    };
  }

  private agentInput(agent: AgentDefinition<unknown>): AgentActivityInput {
    return {
      ...this.activityBase(),
      inputs: this.outputs.filter((ref) => agent.reads.includes(ref.kind)),
      feedback: this.input.feedback,
    };
  }

  private accept(result: AgentActivityResult): ArtifactRef[] {
    if (result.status === 'budget-exceeded') throw new BudgetExceeded(result.reason);
    this.outputs.push(...result.artifacts);
    return result.artifacts;
  }
}

/**
 * Wraps a phase's steps into an orchestrator: PhaseStarted, the steps, the gate's verdict, PhaseCompleted.
 * A budget stop ends the phase cleanly with outcome `budget-exceeded`.
 */
export function phaseOrchestrator(steps: (phase: PhaseScope) => Step) {
  return function* (context: OrchestrationContext): Step<PhaseResult> {
    const phase = new PhaseScope(context);
    yield* phase.begin();
    try {
      yield* steps(phase);
    } catch (error) {
      if (error instanceof BudgetExceeded) return yield* phase.end('budget-exceeded', error.message);
      throw error;
    }
    // Stryker disable next-line ConditionalExpression,BooleanLiteral: every phase orchestrator calls its gate; the fallback is for one that has none
    const passed = phase.lastGate ? phase.lastGate.passed : true;
    return yield* phase.end(passed ? 'passed' : 'failed');
  };
}
