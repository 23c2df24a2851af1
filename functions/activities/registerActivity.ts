import * as df from 'durable-functions';
import type { InvocationContext } from '@azure/functions';
import type { Activity } from '../../core/activities';

/** Registers the implementation of an activity handle; its inputs come from the factory's own orchestrators. */
export function registerActivity<I, O>(
  activity: Activity<I, O>,
  handler: (input: I, context: InvocationContext) => Promise<O>,
): void {
  df.app.activity(activity.name, { handler: (input: unknown, context) => handler(input as I, context) });
}
