import { AzureFunctionsInstrumentation } from '@azure/functions-opentelemetry-instrumentation';
import type { app } from '@azure/functions';
import { telemetry, type Telemetry } from './telemetry';

/**
 * Inside the Functions worker, with telemetry on: every invocation runs in the trace context the host gives it,
 * and `context.log` is sent to Application Insights by this process (the instrumentation tells the host, whose
 * host.json `telemetryMode` is OpenTelemetry, not to send worker logs itself). The instrumentation patches
 * `@azure/functions` when it is loaded, so this runs before any function module.
 */
export function instrumentFunctionsWorker(): void {
  const logs = telemetry().loggerProvider;
  if (!logs) return;
  new AzureFunctionsInstrumentation().setLoggerProvider(logs);
}

/** The registration functions of `app.hook` this module uses. */
export type WorkerHooks = Pick<typeof app.hook, 'appTerminate' | 'postInvocation'>;

/** How long an invocation's end waits for its telemetry to leave; longer exports finish in the background. */
export const postInvocationFlushMs = 2_000;

/**
 * Flex Consumption scales instances in without warning the code that runs on them, and `beforeExit` never fires
 * in a worker the host stops: telemetry is flushed after every invocation (bounded, so a slow ingestion endpoint
 * never holds up a function's result) and shut down when the host terminates the worker gracefully.
 */
export function flushTelemetryOnWorkerHooks(
  hooks: WorkerHooks,
  target: () => Telemetry = telemetry,
  boundMs = postInvocationFlushMs,
): void {
  hooks.postInvocation(async () => {
    const current = target();
    if (!current.enabled) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, boundMs);
    });
    await Promise.race([current.flush(), bound]);
    clearTimeout(timer);
  });
  hooks.appTerminate(async () => {
    await target().shutdown();
  });
}
