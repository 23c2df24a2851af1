import { InvocationContext } from '@azure/functions';
import { EventType, failureOf, historyEvent, type HistoryEvent } from './historyEvents';
import type { FunctionRegistration } from './registry';

/** Action types of the out-of-process protocol (durable-functions `ActionType`). */
const ActionType = {
  CallActivity: 0,
  CallActivityWithRetry: 1,
  CallSubOrchestrator: 2,
  CallSubOrchestratorWithRetry: 3,
  ContinueAsNew: 4,
  CreateTimer: 5,
  WaitForExternalEvent: 6,
  WhenAny: 11,
  WhenAll: 12,
} as const;

interface ProtocolAction {
  actionType: number;
  functionName?: string;
  input?: unknown;
  instanceId?: string;
  fireAt?: string | Date;
  isCanceled?: boolean;
  retryOptions?: RetryOptionsShape;
  compoundActions?: ProtocolAction[];
}

interface RetryOptionsShape {
  firstRetryIntervalInMilliseconds: number;
  maxNumberOfAttempts: number;
  backoffCoefficient?: number;
  maxRetryIntervalInMilliseconds?: number;
  retryTimeoutInMilliseconds?: number;
}

/** The library's view of one yielded task, read after an episode to learn the sequence numbers it assigned. */
interface LibraryTask {
  id: number | string | false;
  /** A placeholder the library tracks for retry timers and re-attempts carries the string `noOp`. */
  actionObj?: ProtocolAction | 'noOp';
  parent?: Omit<LibraryTask, 'actionObj'> & {
    actionObj?: ProtocolAction | 'noOp';
    retryOptions?: RetryOptionsShape;
    attemptNumber?: number;
    isWaitingOnTimer?: boolean;
  };
}

interface LibraryExecutor {
  openTasks: Record<string, LibraryTask>;
  deferredTasks: Record<string, unknown[]>;
}

/** What the host must do after an episode; the host commits all of it in one transaction. */
export type Schedule = (
  | { kind: 'activity'; id: number; name: string; input: string | undefined }
  | { kind: 'subOrchestration'; id: number; name: string; instanceId: string; input: string | undefined }
  | { kind: 'timer'; id: number; fireAt: Date }
) & {
  /** Scheduled by a retry policy (a back-off timer or a re-attempt), not by an action of the orchestrator. */
  retry?: boolean;
};

export type EpisodeOutcome =
  | { kind: 'running'; schedules: Schedule[]; customStatus: unknown }
  | { kind: 'completed'; output: unknown; customStatus: unknown }
  | { kind: 'continuedAsNew'; input: unknown; customStatus: unknown }
  | { kind: 'failed'; error: Error; customStatus: unknown };

export class NonDeterministicOrchestrationError extends Error {
  override name = 'NonDeterministicOrchestrationError';
}

export interface EpisodeInput {
  registration: FunctionRegistration;
  instanceId: string;
  parentInstanceId: string | null;
  input: unknown;
  /** Committed history (IsPlayed) followed by this episode's new events. */
  history: HistoryEvent[];
  now: Date;
  log: (level: string, message: string) => void;
}

const outOfProcLabel = '$OutOfProcData$:';

/**
 * Runs one orchestrator episode through the durable-functions library's own replay engine (the registered,
 * wrapped handler), then reads the tasks the library left open to learn what is new to schedule. Sequence
 * numbers are the library's, so retries, timers and fan-out match what it expects on the next replay.
 */
export async function runEpisode(episode: EpisodeInput): Promise<EpisodeOutcome> {
  const { registration, history, now } = episode;
  const context = new InvocationContext({
    invocationId: `${episode.instanceId}:${now.getTime()}`,
    functionName: registration.name,
    logHandler: (level, ...args) => episode.log(level, args.map(String).join(' ')),
  }) as InvocationContext & { df?: { taskOrchestratorExecutor?: LibraryExecutor; customStatus?: unknown } };
  const binding = {
    history,
    input: episode.input,
    instanceId: episode.instanceId,
    isReplaying: history.some((e) => e.IsPlayed),
    parentInstanceId: episode.parentInstanceId ?? undefined,
    upperSchemaVersion: 3,
    maximumShortTimerDuration: '6.00:00:00',
    longRunningTimerIntervalDuration: '3.00:00:00',
    defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
  };

  let state: { isDone: boolean; actions: unknown[]; output: unknown; customStatus: unknown };
  try {
    state = (await registration.handler(binding, context)) as typeof state;
  } catch (thrown) {
    return { kind: 'failed', error: orchestratorError(thrown), customStatus: context.df?.customStatus };
  }
  const customStatus = state.customStatus;
  const actions = flatten(state.actions as unknown[]);
  const continueAsNew = actions.find((a) => a.actionType === ActionType.ContinueAsNew);
  try {
    checkReplay(actions, history);
  } catch (error) {
    return { kind: 'failed', error: error as Error, customStatus };
  }
  if (continueAsNew) return { kind: 'continuedAsNew', input: continueAsNew.input, customStatus };
  if (state.isDone) return { kind: 'completed', output: state.output, customStatus };

  const executor = context.df?.taskOrchestratorExecutor;
  if (!executor) throw new Error('the durable-functions library did not expose its orchestration executor');
  try {
    return { kind: 'running', schedules: newSchedules(executor, history, now), customStatus };
  } catch (error) {
    return { kind: 'failed', error: error as Error, customStatus };
  }
}

const callActions: number[] = [
  ActionType.CallActivity,
  ActionType.CallActivityWithRetry,
  ActionType.CallSubOrchestrator,
  ActionType.CallSubOrchestratorWithRetry,
  ActionType.CreateTimer,
];

/**
 * What DTFx checks in Azure: replaying the orchestrator must schedule, in order, what its history says it
 * scheduled. Retry follow-ups are the host's own and are left out of the comparison.
 */
function checkReplay(actions: ProtocolAction[], history: HistoryEvent[]): void {
  const replayed = actions
    .filter((a) => callActions.includes(a.actionType))
    .map((a) => (a.actionType === ActionType.CreateTimer ? '(timer)' : (a.functionName ?? '')));
  const recorded = history
    .filter(
      (e) =>
        !e.Retry &&
        (e.EventType === EventType.TaskScheduled ||
          e.EventType === EventType.TimerCreated ||
          e.EventType === EventType.SubOrchestrationInstanceCreated),
    )
    .sort((a, b) => a.EventId - b.EventId)
    .map((e) => (e.EventType === EventType.TimerCreated ? '(timer)' : (e.Name ?? '')));
  for (let i = 0; i < recorded.length; i++) {
    if (replayed[i] !== recorded[i]) {
      throw new NonDeterministicOrchestrationError(
        `non-deterministic orchestration: step ${i + 1} was '${recorded[i]}' in history but is '${replayed[i] ?? 'nothing'}' on replay; ` +
          'orchestrator code must not change while runs are in flight',
      );
    }
  }
}

function newSchedules(executor: LibraryExecutor, history: HistoryEvent[], now: Date): Schedule[] {
  const scheduled = new Map<number, HistoryEvent>();
  for (const event of history) {
    if (
      event.EventType === EventType.TaskScheduled ||
      event.EventType === EventType.TimerCreated ||
      event.EventType === EventType.SubOrchestrationInstanceCreated
    ) {
      scheduled.set(event.EventId, event);
    }
  }
  // A result in history for a task the orchestrator no longer creates means the code changed under the run.
  const orphan = Object.keys(executor.deferredTasks).find((key) => /^\d+$/.test(key));
  if (orphan !== undefined) {
    const event = scheduled.get(Number(orphan));
    throw new NonDeterministicOrchestrationError(
      `non-deterministic orchestration: history holds a result for task #${orphan}` +
        (event?.Name ? ` ('${event.Name}')` : '') +
        ' that the orchestrator did not schedule on replay; orchestrator code must not change while runs are in flight',
    );
  }

  const schedules: Schedule[] = [];
  const open = Object.entries(executor.openTasks)
    .map(([key, task]) => ({ id: Number(key), task }))
    .filter((entry) => Number.isInteger(entry.id))
    .sort((a, b) => a.id - b.id);
  for (const { id, task } of open) {
    const schedule = scheduleFor(id, task, now);
    if (!schedule) continue;
    const previous = scheduled.get(id);
    if (previous) {
      const previousName = previous.EventType === EventType.TimerCreated ? '(timer)' : previous.Name;
      const currentName = schedule.kind === 'timer' ? '(timer)' : schedule.name;
      if (previousName !== currentName) {
        throw new NonDeterministicOrchestrationError(
          `non-deterministic orchestration: task #${id} was '${previousName}' in history but is '${currentName}' on replay`,
        );
      }
      continue;
    }
    schedules.push(schedule);
  }
  return schedules;
}

function scheduleFor(id: number, task: LibraryTask, now: Date): Schedule | undefined {
  const parent = task.parent;
  // Retry bookkeeping: the library tracks a placeholder task per timer and per re-attempt.
  if (task.actionObj === 'noOp' && parent?.retryOptions && parent.actionObj && parent.actionObj !== 'noOp') {
    if (parent.isWaitingOnTimer) {
      const exhausted = (parent.attemptNumber ?? 1) > parent.retryOptions.maxNumberOfAttempts;
      return {
        kind: 'timer',
        id,
        retry: true,
        fireAt: new Date(
          now.getTime() + (exhausted ? 0 : retryDelay(parent.retryOptions, parent.attemptNumber ?? 2)),
        ),
      };
    }
    const call = callFor(id, parent.actionObj);
    return call && { ...call, retry: true };
  }
  if (!task.actionObj || task.actionObj === 'noOp') return undefined;
  return callFor(id, task.actionObj);
}

function callFor(id: number, action: ProtocolAction): Schedule | undefined {
  switch (action.actionType) {
    case ActionType.CallActivity:
    case ActionType.CallActivityWithRetry:
      return { kind: 'activity', id, name: action.functionName ?? '', input: encode(action.input) };
    case ActionType.CallSubOrchestrator:
    case ActionType.CallSubOrchestratorWithRetry:
      return {
        kind: 'subOrchestration',
        id,
        name: action.functionName ?? '',
        instanceId: action.instanceId ?? '',
        input: encode(action.input),
      };
    case ActionType.CreateTimer:
      return { kind: 'timer', id, fireAt: new Date(action.fireAt as string) };
    case ActionType.WaitForExternalEvent:
      return undefined;
    default:
      throw new Error(`the embedded durable host does not support action type ${action.actionType}`);
  }
}

/** RetryOptions semantics: first interval, times the backoff coefficient per further attempt, capped. */
export function retryDelay(options: RetryOptionsShape, attemptNumber: number): number {
  const coefficient = options.backoffCoefficient ?? 1;
  const delay =
    options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, Math.max(0, attemptNumber - 2));
  const cap =
    options.maxRetryIntervalInMilliseconds && options.maxRetryIntervalInMilliseconds > 0
      ? options.maxRetryIntervalInMilliseconds
      : Infinity;
  return Math.min(delay, cap);
}

function encode(value: unknown): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function flatten(groups: unknown[]): ProtocolAction[] {
  const out: ProtocolAction[] = [];
  const visit = (item: unknown) => {
    if (Array.isArray(item)) item.forEach(visit);
    else if (item && typeof item === 'object') {
      const action = item as ProtocolAction;
      out.push(action);
      action.compoundActions?.forEach(visit);
    }
  };
  visit(groups);
  return out;
}

/** The library wraps an orchestrator failure as `<message>$OutOfProcData$:{state}`; surface the real error. */
function orchestratorError(thrown: unknown): Error {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  const at = error.message.indexOf(outOfProcLabel);
  if (at < 0) return error;
  let message = error.message.slice(0, at).trim();
  try {
    const state = JSON.parse(error.message.slice(at + outOfProcLabel.length)) as { error?: string };
    if (state.error) message = state.error;
  } catch {
    // keep the text before the label
  }
  const real = new Error(message);
  real.name = error.name === 'Error' ? 'OrchestrationFailed' : error.name;
  real.stack = error.stack;
  return real;
}

export { failureOf, historyEvent };
