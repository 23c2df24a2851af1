import type { ServiceBusClient, ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import type { CloudEvent, EventBus } from '../../core/ports/eventBus';
import { serializeCloudEvent } from './cloudEvents';

export const cloudEventsContentType = 'application/cloudevents+json; charset=utf-8';

/**
 * Maps a CloudEvent to a Service Bus message in the CloudEvents AMQP binding's structured mode (ADR 0020):
 * the whole envelope is the JSON body; routing fields are copied to broker properties so subscriptions can
 * filter and Application Insights can correlate without reading bodies.
 */
export function toServiceBusMessage(event: CloudEvent): ServiceBusMessage {
  const json = serializeCloudEvent(event);
  const applicationProperties: Record<string, string> = { type: event.type, tenantid: event.tenantid };
  if (event.phase) applicationProperties.phase = event.phase;
  if (event.traceparent) {
    applicationProperties.traceparent = event.traceparent;
    // The Azure SDKs' name for the same W3C context, which Application Insights links on.
    applicationProperties['Diagnostic-Id'] = event.traceparent;
  }
  return {
    messageId: event.id,
    subject: event.subject,
    correlationId: event.subject,
    contentType: cloudEventsContentType,
    body: Buffer.from(json, 'utf8'),
    applicationProperties,
  };
}

/** Reads a message written by `toServiceBusMessage` back into the event (the SDK may already have parsed JSON). */
export function fromServiceBusMessage(message: { body: unknown; contentType?: string }): CloudEvent {
  if (message.contentType && !message.contentType.startsWith('application/cloudevents+json')) {
    throw new Error(`not a structured CloudEvent: content type ${message.contentType}`);
  }
  const body = message.body;
  const value =
    Buffer.isBuffer(body) || body instanceof Uint8Array
      ? (JSON.parse(Buffer.from(body).toString('utf8')) as unknown)
      : typeof body === 'string'
        ? (JSON.parse(body) as unknown)
        : body;
  if (!value || typeof value !== 'object' || (value as CloudEvent).specversion !== '1.0') {
    throw new Error('not a structured CloudEvent: the body has no specversion 1.0');
  }
  return value as CloudEvent;
}

/**
 * Publishes phase events to a Service Bus topic. The event id is the message id, so the topic's duplicate
 * detection drops the repeats that at-least-once publishing (outbox retries) produces.
 */
export class ServiceBusEventBus implements EventBus {
  readonly adapter = 'service-bus';
  private sender?: ServiceBusSender;

  constructor(
    private readonly client: ServiceBusClient,
    readonly topic: string,
    /** Close the client with the bus (false when the client is shared, e.g. with a command queue). */
    private readonly ownsClient = true,
  ) {}

  async publish(event: CloudEvent): Promise<void> {
    const message = toServiceBusMessage(event);
    this.sender ??= this.client.createSender(this.topic);
    await this.sender.sendMessages(message);
  }

  async close(): Promise<void> {
    const sender = this.sender;
    this.sender = undefined;
    await sender?.close();
    if (this.ownsClient) await this.client.close();
  }
}
