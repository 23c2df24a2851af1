// Loaded right after the instrumentation, so that `@azure/functions` is already patched when it is required here.
import { app } from '@azure/functions';
import { flushTelemetryOnWorkerHooks } from '../platform/telemetry/functionsWorker';

flushTelemetryOnWorkerHooks(app.hook);
