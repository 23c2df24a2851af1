import type {
  BoundedContext,
  DomainEvent,
  DomainModel,
  Entity,
} from '../../../toolchain/schemas/domainModel';
import { camel } from '../../../toolchain/apiConventions';
import {
  entityFields,
  eventSubjectField,
  type JsonSchema,
  words,
} from '../../../toolchain/architecture/model';

export interface EventOptions {
  /**
   * `thin`: events carry the fields the domain model names; `state`: event-carried state transfer, every field
   * of the entity, so consumers can keep a local copy without calling back.
   */
  payload: 'thin' | 'state';
}

export const defaultEventOptions: EventOptions = { payload: 'thin' };

/** The Service Bus topic of a context's events. */
export function topicName(model: DomainModel, context: BoundedContext): string {
  return `${model.product.slug}.${context.slug}.events`;
}

/** The CloudEvents `type` of a domain event. */
export function cloudEventType(model: DomainModel, context: BoundedContext, event: DomainEvent): string {
  return `${model.product.slug}.${context.slug}.${event.name}`;
}

export function eventSchemaPath(event: DomainEvent): string {
  return `events/${event.name}.schema.json`;
}

function eventEntity(context: BoundedContext, event: DomainEvent): Entity {
  const entity = context.entities.find((e) => e.name === event.entity);
  if (!entity)
    throw new Error(
      `event ${event.name} names entity ${event.entity}, which is not in context ${context.name}`,
    );
  return entity;
}

/** The `data` of a domain event: the entity id (required) and the payload fields, typed, nothing else. */
export function eventDataSchema(
  context: BoundedContext,
  event: DomainEvent,
  options: EventOptions,
): JsonSchema {
  const entity = eventEntity(context, event);
  const fields = entityFields(entity).filter((f) => f.name !== 'id');
  const subject = eventSubjectField(entity);
  const chosen =
    options.payload === 'state'
      ? fields
      : event.payload.map((name) => {
          const field = fields.find((f) => f.name === name);
          if (!field) {
            throw new Error(`event ${event.name} carries '${name}', which is not a field of ${entity.name}`);
          }
          return field;
        });
  const properties: Record<string, JsonSchema> = {
    [subject]: {
      type: 'string',
      format: 'uuid',
      description: `Id of the ${words(entity.name).toLowerCase()} the event is about.`,
    },
  };
  const required = [subject];
  for (const field of chosen) {
    if (field.name === subject) continue;
    properties[field.name] = field.schema;
    if (field.required || field.name === 'status' || field.name === 'createdAt' || field.name === 'updatedAt')
      required.push(field.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/**
 * The CloudEvents 1.0 envelope (structured JSON mode) of a domain event. The envelope stays open for CloudEvents
 * extension attributes such as `traceparent`; the `data` is closed.
 */
export function eventEnvelopeSchema(
  model: DomainModel,
  context: BoundedContext,
  event: DomainEvent,
  options: EventOptions,
): JsonSchema {
  return {
    title: event.name,
    description: event.description,
    type: 'object',
    properties: {
      specversion: { type: 'string', const: '1.0' },
      id: {
        type: 'string',
        minLength: 1,
        description: 'Unique per event; consumers use it to drop duplicates.',
      },
      source: {
        type: 'string',
        format: 'uri-reference',
        description: `The publishing service, e.g. /${model.product.slug}/${context.slug}.`,
      },
      type: { type: 'string', const: cloudEventType(model, context, event) },
      subject: {
        type: 'string',
        format: 'uuid',
        description: 'The entity id, repeated for routing and filtering.',
      },
      time: { type: 'string', format: 'date-time' },
      datacontenttype: { type: 'string', const: 'application/json' },
      data: eventDataSchema(context, event, options),
    },
    required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'data'],
  };
}

/** A standalone JSON Schema (draft 2020-12) of one domain event. */
export function buildEventSchema(
  model: DomainModel,
  context: BoundedContext,
  event: DomainEvent,
  options: EventOptions = defaultEventOptions,
): JsonSchema {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:${model.product.slug}:events:${event.name}`,
    ...eventEnvelopeSchema(model, context, event, options),
  };
}

/**
 * The events of `producer` that `consumer` subscribes to: all of them when the consumer depends on the producer
 * (downstream in the context map), and otherwise those that carry an id of one of the consumer's entities, so
 * the owner of a record learns what happens to it elsewhere (a returned loan, a booked appointment).
 */
export function eventsFor(
  model: DomainModel,
  producer: BoundedContext,
  consumer: BoundedContext,
): DomainEvent[] {
  if (producer === consumer) return [];
  if (consumer.dependsOn.includes(producer.name)) return [...producer.events];
  const owned = new Set(consumer.entities.map((e) => e.name));
  return producer.events.filter((event) => {
    const entity = producer.entities.find((e) => e.name === event.entity);
    return (entity?.relations ?? []).some(
      (r) => r.kind === 'belongsTo' && owned.has(r.target) && event.payload.includes(r.via),
    );
  });
}

/** The contexts that subscribe to some of a context's events. */
export function consumersOf(model: DomainModel, context: BoundedContext): BoundedContext[] {
  return model.contexts.filter((c) => eventsFor(model, context, c).length > 0);
}

/** The AsyncAPI 3.0 document of the product's domain events: one channel (Service Bus topic) per context. */
export function buildAsyncApi(model: DomainModel, options: EventOptions = defaultEventOptions): JsonSchema {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};
  const schemas: Record<string, unknown> = {};
  for (const context of model.contexts) {
    if (context.events.length === 0) continue;
    const channelId = camel(context.name);
    channels[channelId] = {
      address: topicName(model, context),
      title: `${words(context.name)} events`,
      description: `Service Bus topic carrying every domain event of the ${words(context.name).toLowerCase()} context.`,
      messages: Object.fromEntries(
        context.events.map((e) => [e.name, { $ref: `#/components/messages/${e.name}` }]),
      ),
    };
    for (const event of context.events) {
      schemas[event.name] = eventEnvelopeSchema(model, context, event, options);
      messages[event.name] = {
        name: event.name,
        title: words(event.name),
        summary: event.description,
        contentType: 'application/cloudevents+json',
        payload: { $ref: `#/components/schemas/${event.name}` },
      };
    }
    operations[`publish${context.name}Events`] = {
      action: 'send',
      title: `${words(context.name)} publishes its events`,
      channel: { $ref: `#/channels/${channelId}` },
      messages: context.events.map((e) => ({ $ref: `#/channels/${channelId}/messages/${e.name}` })),
    };
    for (const consumer of consumersOf(model, context)) {
      operations[`${camel(consumer.name)}Receives${context.name}Events`] = {
        action: 'receive',
        title: `${words(consumer.name)} receives ${words(context.name).toLowerCase()} events`,
        description: `Subscription '${consumer.slug}' on topic ${topicName(model, context)}.`,
        channel: { $ref: `#/channels/${channelId}` },
        messages: eventsFor(model, context, consumer).map((e) => ({
          $ref: `#/channels/${channelId}/messages/${e.name}`,
        })),
      };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: `${model.product.name} domain events`,
      version: '1.0.0',
      description:
        'Domain events of every bounded context, as CloudEvents 1.0 in structured JSON mode on Azure Service Bus topics.',
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      production: {
        host: `${model.product.slug}.servicebus.windows.net`,
        protocol: 'amqp',
        protocolVersion: '1.0',
        description:
          'Azure Service Bus namespace (AMQP 1.0 over TLS); services authenticate with managed identities.',
      },
    },
    channels,
    operations,
    components: { messages, schemas },
  };
}
