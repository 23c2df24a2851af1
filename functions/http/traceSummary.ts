/**
 * Summaries of durable orchestration histories (`getStatus(id, { showHistory: true })`). Two shapes reach
 * this code: the raw Durable Task events (numeric `EventType`, `TaskScheduled` then `TaskCompleted` with
 * `TaskScheduledId`), and the Functions extension's HTTP shape in Azure (string `EventType`, completions
 * carrying `FunctionName` and `ScheduledTime`, scheduled events folded into them).
 */
const eventTypeNames: Record<number, string> = {
  0: 'ExecutionStarted',
  1: 'ExecutionCompleted',
  2: 'ExecutionFailed',
  3: 'ExecutionTerminated',
  4: 'TaskScheduled',
  5: 'TaskCompleted',
  6: 'TaskFailed',
  7: 'SubOrchestrationInstanceCreated',
  8: 'SubOrchestrationInstanceCompleted',
  9: 'SubOrchestrationInstanceFailed',
  10: 'TimerCreated',
  11: 'TimerFired',
  12: 'OrchestratorStarted',
  13: 'OrchestratorCompleted',
  14: 'EventSent',
  15: 'EventRaised',
  16: 'ContinueAsNew',
  17: 'GenericEvent',
  18: 'HistoryState',
};

export interface ActivityExecution {
  instanceId: string;
  name: string;
  /** The orchestrator's sequence number for the call, when the history names it. */
  taskId: number | null;
  scheduledAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  outcome: 'completed' | 'failed' | 'running';
  error: string | null;
}

export interface RaisedEvent {
  instanceId: string;
  name: string;
  at: string;
}

interface RawEvent {
  EventType?: unknown;
  EventId?: unknown;
  Timestamp?: unknown;
  Name?: unknown;
  FunctionName?: unknown;
  ScheduledTime?: unknown;
  TaskScheduledId?: unknown;
  InstanceId?: unknown;
  Reason?: unknown;
}

const str = (value: unknown) => (typeof value === 'string' ? value : null);
const num = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function typeOf(event: RawEvent): string {
  if (typeof event.EventType === 'number')
    return eventTypeNames[event.EventType] ?? `Unknown${event.EventType}`;
  return str(event.EventType) ?? 'Unknown';
}

function duration(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? ms : null;
}

/** The first line of a failure reason, short enough for a listing. */
const firstLine = (value: unknown) => str(value)?.split('\n')[0].slice(0, 500) ?? null;

/** Activity executions, raised events and the sub-orchestrations an instance created, from its history. */
export function summarizeHistory(
  instanceId: string,
  history: unknown,
): { activities: ActivityExecution[]; events: RaisedEvent[]; children: string[] } {
  const activities: ActivityExecution[] = [];
  const events: RaisedEvent[] = [];
  const children: string[] = [];
  if (!Array.isArray(history)) return { activities, events, children };
  const scheduled = new Map<number, ActivityExecution>();
  for (const raw of history as RawEvent[]) {
    if (!raw || typeof raw !== 'object') continue;
    const type = typeOf(raw);
    const at = str(raw.Timestamp);
    switch (type) {
      case 'TaskScheduled': {
        const entry: ActivityExecution = {
          instanceId,
          name: str(raw.Name) ?? 'unknown',
          taskId: num(raw.EventId),
          scheduledAt: at,
          endedAt: null,
          durationMs: null,
          outcome: 'running',
          error: null,
        };
        activities.push(entry);
        if (entry.taskId !== null) scheduled.set(entry.taskId, entry);
        break;
      }
      case 'TaskCompleted':
      case 'TaskFailed': {
        const id = num(raw.TaskScheduledId);
        const outcome = type === 'TaskCompleted' ? 'completed' : 'failed';
        const error = outcome === 'failed' ? firstLine(raw.Reason) : null;
        const known = id !== null ? scheduled.get(id) : undefined;
        if (known) {
          Object.assign(known, { endedAt: at, outcome, error, durationMs: duration(known.scheduledAt, at) });
          scheduled.delete(id!);
        } else {
          const scheduledAt = str(raw.ScheduledTime);
          activities.push({
            instanceId,
            name: str(raw.FunctionName) ?? str(raw.Name) ?? 'unknown',
            taskId: id,
            scheduledAt,
            endedAt: at,
            durationMs: duration(scheduledAt, at),
            outcome,
            error,
          });
        }
        break;
      }
      case 'SubOrchestrationInstanceCreated': {
        const child = str(raw.InstanceId);
        if (child) children.push(child);
        break;
      }
      case 'EventRaised':
        events.push({ instanceId, name: str(raw.Name) ?? 'unknown', at: at ?? '' });
        break;
      default:
        break;
    }
  }
  return { activities, events, children };
}
