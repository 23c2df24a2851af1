/** Durable Task history events as the durable-functions library reads them (PascalCase, out-of-process shape). */
export enum EventType {
  ExecutionStarted = 0,
  ExecutionCompleted = 1,
  ExecutionFailed = 2,
  ExecutionTerminated = 3,
  TaskScheduled = 4,
  TaskCompleted = 5,
  TaskFailed = 6,
  SubOrchestrationInstanceCreated = 7,
  SubOrchestrationInstanceCompleted = 8,
  SubOrchestrationInstanceFailed = 9,
  TimerCreated = 10,
  TimerFired = 11,
  OrchestratorStarted = 12,
  OrchestratorCompleted = 13,
  EventRaised = 15,
}

export interface FailureDetails {
  ErrorType: string;
  ErrorMessage: string;
  StackTrace?: string;
  IsNonRetriable: boolean;
}

export interface HistoryEvent {
  EventType: EventType;
  EventId: number;
  IsPlayed: boolean;
  Timestamp: string;
  Name?: string;
  Input?: string;
  Result?: string;
  TaskScheduledId?: number;
  TimerId?: number;
  FireAt?: string;
  InstanceId?: string;
  Reason?: string;
  Details?: string;
  FailureDetails?: FailureDetails;
  /** The host's mark on events a retry policy scheduled (ignored by the library). */
  Retry?: boolean;
}

export function historyEvent(type: EventType, at: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent {
  return { EventType: type, EventId: -1, IsPlayed: false, Timestamp: at.toISOString(), ...fields };
}

export function failureOf(error: unknown): {
  Reason: string;
  Details: string;
  FailureDetails: FailureDetails;
} {
  const err = error instanceof Error ? error : new Error(String(error));
  return {
    Reason: err.message,
    Details: err.stack ?? '',
    FailureDetails: {
      ErrorType: err.name,
      ErrorMessage: err.message,
      StackTrace: err.stack,
      IsNonRetriable: false,
    },
  };
}

/** Events whose payloads count toward the size limit. */
export function payloadBytes(event: HistoryEvent): number {
  return Buffer.byteLength(event.Input ?? '') + Buffer.byteLength(event.Result ?? '');
}
