import type { OrchestrationContext } from 'durable-functions';
import { activities } from '../core/activities';
import type { PublishEventInput, RunInput, RunStateChange } from '../core/workflowContracts';
import { callActivity, type Step } from './callActivity';

type RunOf = Pick<RunInput, 'runId' | 'tenantId' | 'traceparent'>;

/** Publishes a factory event of the run, stamped with the orchestrator's time and the run's trace. */
export function* publishRunEvent(
  context: OrchestrationContext,
  run: RunOf,
  event: Pick<PublishEventInput, 'name' | 'phase' | 'occurrence' | 'data'>,
): Step {
  yield* callActivity(context, activities.publishEvent, {
    runId: run.runId,
    tenantId: run.tenantId,
    ...event,
    at: context.df.currentUtcDateTime.toISOString(),
    traceparent: run.traceparent,
  });
}

/** Records a change of the run document (status, phase, approval) at the orchestrator's time. */
export function* recordRunState(context: OrchestrationContext, run: RunOf, change: RunStateChange): Step {
  yield* callActivity(context, activities.recordRunState, {
    runId: run.runId,
    tenantId: run.tenantId,
    at: context.df.currentUtcDateTime.toISOString(),
    change,
  });
}
