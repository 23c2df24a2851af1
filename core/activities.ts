import type { AgentDefinition, ArtifactRef } from './agent';
import type { Phase } from './phases';
import type {
  AgentActivityInput,
  AgentActivityResult,
  GateActivityInput,
  GateActivityResult,
  PhaseInput,
  PhaseResult,
  PublishEventInput,
  RunStateInput,
  SealPhaseInput,
  WriteRunReportInput,
} from './workflowContracts';

/**
 * An activity's name together with its input and output types. Orchestrators call activities through these
 * handles and the Functions registrations implement them through the same handles, so a call and its
 * implementation cannot disagree on a name or a type.
 */
export interface Activity<I, O> {
  readonly name: string;
  /** Never set: carries the input and output types. */
  readonly signature?: (input: I) => O;
}

const activity = <I, O>(name: string): Activity<I, O> => ({ name });

/** The shared activities every orchestrator calls besides the agents. */
export const activities = {
  evaluateGate: activity<GateActivityInput, GateActivityResult>('evaluateGate'),
  publishEvent: activity<PublishEventInput, { id: string }>('publishEvent'),
  recordRunState: activity<RunStateInput, void>('recordRunState'),
  sealPhase: activity<SealPhaseInput, ArtifactRef>('sealPhase'),
  writeRunReport: activity<WriteRunReportInput, ArtifactRef>('writeRunReport'),
};

/** Each agent is one activity, named after the agent. */
export const agentActivity = (
  agent: Pick<AgentDefinition<unknown>, 'name'>,
): Activity<AgentActivityInput, AgentActivityResult> => activity(agent.name);

/** Each phase is a sub-orchestration of the run, named in `core/phases.ts`. */
export const phaseOrchestration = (phase: Pick<Phase, 'orchestrator'>): Activity<PhaseInput, PhaseResult> =>
  activity(phase.orchestrator);
