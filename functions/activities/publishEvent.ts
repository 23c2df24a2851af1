import { activities } from '../../core/activities';
import { registerActivity } from './registerActivity';
import type { PublishEventInput } from '../../core/workflowContracts';
import { composition } from '../compositionRoot';
import { eventTraceparent, recordFactoryEvent, tracePublish } from '../../telemetry';
import { toCloudEvent } from '../../runs/cloudEvents';

/**
 * Publishes a phase event through the outbox: the event is first appended to the run store (idempotent by
 * id), then sent, then marked published. A crash between any two steps neither loses nor doubles it: the
 * activity runs again, the append keeps one copy, and the bus drops the repeated message id.
 */
export async function publishEvent(input: PublishEventInput): Promise<{ id: string }> {
  const { runs, events } = composition().ports;
  // The event carries its publishing span's traceparent, so subscribers continue the run's trace.
  const event = toCloudEvent({ ...input, traceparent: eventTraceparent(input) });
  await runs.appendEvent(input.tenantId, input.runId, event);
  const stored = (await runs.listEvents(input.tenantId, input.runId)).find((e) => e.id === event.id);
  if (!stored?.published) {
    const { published: _published, ...original } = stored ?? { ...event, published: false };
    await tracePublish(input, events.adapter, () => events.publish(original));
    await runs.markEventPublished(input.tenantId, input.runId, event.id);
    // Only the invocation that sent the event records it, so a re-run activity does not count it twice.
    await recordFactoryEvent(input, () => runs.get(input.tenantId, input.runId));
  }
  return { id: event.id };
}

registerActivity(activities.publishEvent, publishEvent);
