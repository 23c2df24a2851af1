import { RunTrace, telemetry, type Dimensions, type Scope } from '../platform/telemetry';
import { metricNames } from './metricNames';
import { runDims } from './runSpans';

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
  const scope: Scope | undefined = command.runId
    ? {
        span: new RunTrace(command.runId, command.traceparent).run(),
        dims: runDims(command.runId, command.tenantId ?? ''),
      }
    : undefined;
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
