// Loaded first by the Functions app: the Functions instrumentation must be in place before `@azure/functions` is.
import { instrumentFunctionsWorker } from '../platform/telemetry/functionsWorker';

instrumentFunctionsWorker();
