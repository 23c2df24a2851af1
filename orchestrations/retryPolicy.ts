import * as df from 'durable-functions';

/**
 * Retry values for every activity, in one place: three attempts, 2 s then 4 s apart. Agents are idempotent
 * (same inputs, same artifact paths and content), so a retry or an at-least-once re-run is harmless.
 */
export function activityRetry(): df.RetryOptions {
  const retry = new df.RetryOptions(2000, 3);
  retry.backoffCoefficient = 2;
  retry.maxRetryIntervalInMilliseconds = 30000;
  return retry;
}
