import { createHash } from 'node:crypto';
import type { CloudEvent } from '../core/ports/eventBus';
import type { PublishEventInput } from '../core/workflowContracts';
import { runInstanceId } from '../platform/runs/instanceIds';

/**
 * A deterministic id per (run, occurrence), formatted as a UUID: the same event always gets the same id. Derived
 * from the run's instance id, so runs of two tenants with one run id never share an event id, which duplicate
 * detection on the topic would drop.
 */
export function eventId(instanceId: string, occurrence: string): string {
  const hex = createHash('sha256').update(`${instanceId}\n${occurrence}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export function toCloudEvent(input: PublishEventInput): CloudEvent {
  return {
    specversion: '1.0',
    id: eventId(runInstanceId(input.tenantId, input.runId), input.occurrence),
    source: `/software-factory/tenants/${input.tenantId}/runs/${input.runId}`,
    type: `factory.${input.name}`,
    subject: input.runId,
    time: input.at,
    datacontenttype: 'application/json',
    tenantid: input.tenantId,
    ...(input.phase ? { phase: input.phase } : {}),
    ...(input.traceparent ? { traceparent: input.traceparent } : {}),
    data: { runId: input.runId, ...(input.phase ? { phase: input.phase } : {}), ...input.data },
  };
}
