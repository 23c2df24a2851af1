import type { OrchestrationContext, Task } from 'durable-functions';
import type { Activity } from '../core/activities';
import { activityRetry } from './retryPolicy';

export type Step<T = void> = Generator<Task, T, unknown>;

/** The task of one activity call, with the factory's retry policy; for `Task.all`. */
export function activityTask<I, O>(context: OrchestrationContext, activity: Activity<I, O>, input: I): Task {
  return context.df.callActivityWithRetry(activity.name, activityRetry(), input);
}

/** Calls an activity and returns its typed result (the one place the replay engine's `unknown` is narrowed). */
export function* callActivity<I, O>(
  context: OrchestrationContext,
  activity: Activity<I, O>,
  input: I,
): Step<O> {
  return (yield activityTask(context, activity, input)) as O;
}

/** Calls activities side by side and returns their typed results in order. */
export function* callActivities<I, O>(
  context: OrchestrationContext,
  calls: Array<[Activity<I, O>, I]>,
): Step<O[]> {
  return (yield context.df.Task.all(
    calls.map(([activity, input]) => activityTask(context, activity, input)),
  )) as O[];
}

/** Runs a sub-orchestration under a chosen instance id and returns its typed result. */
export function* callSubOrchestration<I, O>(
  context: OrchestrationContext,
  orchestration: Activity<I, O>,
  input: I,
  instanceId: string,
): Step<O> {
  return (yield context.df.callSubOrchestrator(orchestration.name, input, instanceId)) as O;
}
