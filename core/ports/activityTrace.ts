/** One activity execution, as the host that ran it recorded it. */
export interface ActivityExecution {
  instanceId: string;
  functionName: string;
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  outcome: string;
  error?: string | null;
}

/**
 * The activity executions of a tenant's run and its sub-orchestrations, where the host exposes them: the embedded
 * durable host does; on the Functions host there is none to read from inside an activity.
 */
export type ActivityTrace = (tenantId: string, runId: string) => ActivityExecution[];
