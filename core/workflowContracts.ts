import type { ArtifactRef } from './agent';
import type { ChangeLineage, GateCriterion, RunOptions } from './ports/runStore';
import type { PhaseId } from './phases';

/**
 * What flows between orchestrators and activities. Everything here is small: references (path, sha256, kind),
 * ids and short findings, never artifact contents, so history events stay far under the payload limit.
 */
export interface RunInput {
  runId: string;
  tenantId: string;
  options: RunOptions;
  iteration: number;
  /** The artifact manifest every phase starts from (the vision at first, then all earlier outputs). */
  manifest: ArtifactRef;
  /** The starter's W3C trace context (or none: the trace id then derives from the run id). */
  traceparent?: string;
  /** Set when the run changes a product an earlier run built. */
  change?: ChangeLineage;
  /** The phase the run starts at, on artifacts a person gave in place of the earlier phases' outputs. */
  fromPhase?: PhaseId;
}

export interface PhaseInput {
  runId: string;
  tenantId: string;
  phase: PhaseId;
  iteration: number;
  attempt: number;
  model: string;
  manifest: ArtifactRef;
  feedback: string[];
  /** The run's W3C trace context, handed on so every activity records into the run's trace. */
  traceparent?: string;
  change?: ChangeLineage;
}

export type PhaseOutcome = 'passed' | 'failed' | 'budget-exceeded';

export interface PhaseResult {
  phase: PhaseId;
  outcome: PhaseOutcome;
  /** The manifest including this phase's outputs (when the phase produced any). */
  manifest: ArtifactRef;
  /** Gate findings, trimmed, to feed back to the rework phase. */
  findings: string[];
  gate?: {
    passed: boolean;
    criteria: Array<Pick<GateCriterion, 'name' | 'passed'>>;
    report: ArtifactRef;
    /** A failed criterion is final: reworking the phase cannot pass the gate. */
    final?: boolean;
  };
  /** Set by phases whose outcome is a named event (e.g. DeploymentFailed) besides the gate. */
  reason?: string;
}

/** Input of every agent activity. */
export interface AgentActivityInput extends PhaseInput {
  /** Outputs of earlier agents in this phase attempt that this agent reads. */
  inputs: ArtifactRef[];
}

export type AgentActivityResult =
  | { status: 'done'; agent: string; artifacts: ArtifactRef[] }
  | { status: 'budget-exceeded'; agent: string; reason: string };

export interface GateActivityInput extends Omit<AgentActivityInput, 'feedback'> {
  phase: PhaseId;
}

export interface GateActivityResult {
  passed: boolean;
  /** A failed criterion is final (`GateCriterion.final`). */
  final?: boolean;
  criteria: Array<Pick<GateCriterion, 'name' | 'passed'>>;
  findings: string[];
  report: ArtifactRef;
}

export interface SealPhaseInput {
  runId: string;
  tenantId: string;
  phase: PhaseId;
  iteration: number;
  attempt: number;
  manifest: ArtifactRef;
  outputs: ArtifactRef[];
}

/** Events of the seed, published as CloudEvents `factory.<Name>`. */
export type FactoryEventName =
  | 'RunStarted'
  | 'PhaseStarted'
  | 'PhaseCompleted'
  | 'ArchitectureReady'
  | 'QualityGatePassed'
  | 'QualityGateFailed'
  | 'DeploymentReady'
  | 'DeploymentSuccessful'
  | 'DeploymentFailed'
  | 'ApprovalRequested'
  | 'ApprovalGranted'
  | 'ApprovalRejected'
  | 'FeedbackLoop'
  | 'IterationStarted'
  | 'RunCompleted'
  | 'RunFailed';

export interface PublishEventInput {
  runId: string;
  tenantId: string;
  name: FactoryEventName;
  /** Deterministic per occurrence; the event id is derived from it, so a re-run activity sends the same id. */
  occurrence: string;
  phase?: PhaseId;
  data: Record<string, unknown>;
  /** The orchestrator's current time: the event's `time`. */
  at: string;
  traceparent?: string;
}

/** Changes the orchestrators make to the run document, one small record each. */
export type RunStateChange =
  | {
      kind: 'run-status';
      status: 'Running' | 'WaitingForApproval' | 'Completed' | 'Failed' | 'Rejected';
      reason?: string;
      message?: string;
      iteration: number;
      phase?: PhaseId;
    }
  | { kind: 'phase-started'; phase: PhaseId; iteration: number; attempt: number; feedback: string[] }
  | {
      kind: 'phase-ended';
      phase: PhaseId;
      iteration: number;
      attempt: number;
      status: 'Completed' | 'Failed' | 'Rejected';
    }
  | { kind: 'approval-requested'; gate: string; iteration: number; attempt: number }
  | {
      kind: 'approval-decided';
      gate: string;
      iteration: number;
      attempt: number;
      decision: 'approve' | 'reject' | 'timeout';
      reason?: string;
      by?: string;
    };

export interface RunStateInput {
  runId: string;
  tenantId: string;
  /** The orchestrator's current time, so the record does not depend on when the activity runs. */
  at: string;
  change: RunStateChange;
}

export interface WriteRunReportInput {
  runId: string;
  tenantId: string;
  /** The orchestrator's current time: the report's "generated" time, so a re-run writes the same page. */
  at: string;
}

export interface ApprovalDecision {
  decision: 'approve' | 'reject';
  reason?: string;
  by?: string;
  /** `rerun` (default) reruns the phase with the reason as feedback; `end` ends the run as Rejected. */
  onReject?: 'rerun' | 'end';
}
