import { telemetry, type Dimensions, type RunTrace, type Scope } from '../platform/telemetry';
import { metricNames } from './metricNames';
import { runDims, runTrace } from './runSpans';

/** The trace of the run a command names; none when it names no run, or one too malformed to have an instance. */
function commandRunTrace(command: {
  runId?: string;
  tenantId?: string;
  traceparent?: string;
}): RunTrace | undefined {
  if (!command.runId || !command.tenantId) return undefined;
  try {
    return runTrace({ tenantId: command.tenantId, runId: command.runId, traceparent: command.traceparent });
  } catch {
    return undefined;
  }
}

/** A command message that was dead-lettered (invalid, or failed too often): counted and described. */
export function trackCommandDeadLettered(command: {
  type?: string;
  runId?: string;
  tenantId?: string;
  reason: string;
  description?: string;
  traceparent?: string;
}): void {
  const t = telemetry();
  const trace = commandRunTrace(command);
  const scope: Scope | undefined = trace && {
    span: trace.run(),
    dims: runDims(command.runId!, command.tenantId!),
  };
  const dims: Dimensions = {
    commandType: command.type ?? 'unknown',
    reason: command.reason,
    description: command.description?.slice(0, 1000),
    tenantId: command.tenantId,
  };
  t.metric(metricNames.commandsDeadLettered, 1, dims, scope);
  t.trace(
    `command ${command.type ?? '(unknown type)'} dead-lettered: ${command.reason}${command.description ? `: ${command.description}` : ''}`,
    3,
    dims,
    scope,
  );
}
