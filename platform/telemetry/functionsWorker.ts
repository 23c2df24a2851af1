import { AzureFunctionsInstrumentation } from '@azure/functions-opentelemetry-instrumentation';
import { telemetry } from './telemetry';

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
