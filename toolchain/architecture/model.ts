import type { Attribute, BoundedContext, DomainEvent, DomainModel, Entity } from '../schemas/domainModel';
import { camel } from '../apiConventions';
import { moneyDescription, moneyPattern } from '../money';

/** A JSON Schema fragment; plain data so it serialises unchanged into OpenAPI, AsyncAPI and standalone schemas. */
export type JsonSchema = { [key: string]: unknown };

export interface EntityRef {
  context: BoundedContext;
  entity: Entity;
}

export function allEntities(model: DomainModel): EntityRef[] {
  return model.contexts.flatMap((context) => context.entities.map((entity) => ({ context, entity })));
}

export function findEntity(model: DomainModel, name: string): EntityRef | undefined {
  return allEntities(model).find((ref) => ref.entity.name === name);
}

export function contextOfEvent(model: DomainModel, event: DomainEvent): BoundedContext {
  const owner = model.contexts.find((context) => context.events.includes(event));
  if (!owner) throw new Error(`event ${event.name} belongs to no bounded context`);
  return owner;
}

/** `loan_requests` for `LoanRequests`: PostgreSQL identifiers stay lower case and unquoted. */
export function snake(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .toLowerCase();
}

/** An entity's table in its service's database: `loan_requests` for LoanRequest. */
export const tableName = (entity: Entity) => snake(entity.plural);

/** `Loan Request` for `LoanRequest`, for prose. */
export function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
}

export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Text with at least one character that is not white space (ECMA-262, as JSON Schema patterns are). */
export const nonBlankPattern = '\\S';

/** The JSON Schema of one attribute value, from its domain type. */
export function attributeValueSchema(attribute: Attribute): JsonSchema {
  const schema: JsonSchema = {};
  switch (attribute.type) {
    case 'string':
    case 'text':
      schema.type = 'string';
      if (attribute.maxLength !== undefined) schema.maxLength = attribute.maxLength;
      // The services refuse a blank required text (only spaces) as well as an empty one.
      if (attribute.required) schema.pattern = nonBlankPattern;
      break;
    case 'integer':
      schema.type = 'integer';
      break;
    case 'number':
      schema.type = 'number';
      break;
    case 'boolean':
      schema.type = 'boolean';
      break;
    case 'date':
      schema.type = 'string';
      schema.format = 'date';
      break;
    case 'datetime':
      schema.type = 'string';
      schema.format = 'date-time';
      break;
    case 'email':
      schema.type = 'string';
      schema.format = 'email';
      if (attribute.maxLength !== undefined) schema.maxLength = attribute.maxLength;
      break;
    case 'money':
      // Bounds the pattern cannot carry are named in the description (see moneyDescription).
      schema.type = 'string';
      schema.pattern = moneyPattern(attribute);
      break;
    case 'enum':
      schema.type = 'string';
      schema.enum = [...(attribute.enumValues ?? [])];
      break;
  }
  if (attribute.type === 'integer' || attribute.type === 'number') {
    if (attribute.minimum !== undefined) schema.minimum = attribute.minimum;
    if (attribute.maximum !== undefined) schema.maximum = attribute.maximum;
  }
  if (attribute.type === 'money') schema.description = moneyDescription(attribute, attribute.description);
  else if (attribute.description) schema.description = attribute.description;
  return schema;
}

/** One field of an entity as the outside world sees it. */
export interface Field {
  name: string;
  schema: JsonSchema;
  /** Required when creating the entity. */
  required: boolean;
  /** Set by the server, never by a client. */
  readOnly: boolean;
}

const uuid = (description: string): JsonSchema => ({ type: 'string', format: 'uuid', description });

/**
 * Every field of an entity, in a stable order: id, the attributes, foreign keys of `belongsTo` relations that
 * are not already attributes, status when the entity has a lifecycle, then the timestamps.
 */
/** `computed`: attributes the service derives from the vision's rules, read-only like the id. */
export function entityFields(entity: Entity, computed: ReadonlySet<string> = new Set()): Field[] {
  const fields: Field[] = [
    {
      name: 'id',
      schema: uuid(`Server-assigned identifier of the ${words(entity.name).toLowerCase()}.`),
      required: false,
      readOnly: true,
    },
  ];
  const foreignKeys = new Map(
    entity.relations.filter((r) => r.kind === 'belongsTo').map((r) => [r.via, r.target]),
  );
  for (const attribute of entity.attributes) {
    const schema = attributeValueSchema(attribute);
    const target = foreignKeys.get(attribute.name);
    if (target && schema.type === 'string' && schema.format === undefined) schema.format = 'uuid';
    const derived = computed.has(attribute.name);
    if (derived) schema.description = `${schema.description ?? ''} Computed by the service.`.trim();
    fields.push({
      name: attribute.name,
      schema,
      required: attribute.required && !derived,
      readOnly: derived,
    });
  }
  for (const [via, target] of foreignKeys) {
    if (entity.attributes.some((a) => a.name === via)) continue;
    // A belongsTo key is part of the record even when the model lists it only as a relation.
    fields.push({
      name: via,
      schema: uuid(`Identifier of the ${words(target).toLowerCase()} this belongs to.`),
      required: true,
      readOnly: false,
    });
  }
  if (entity.states && entity.states.length > 0) {
    fields.push({
      name: 'status',
      schema: {
        type: 'string',
        enum: [...entity.states],
        description: `Lifecycle state; starts as '${entity.states[0]}' and changes only through commands.`,
      },
      required: false,
      readOnly: true,
    });
  }
  fields.push(
    {
      name: 'createdBy',
      schema: {
        type: 'string',
        description: "Who created the record: the subject of the creator's token.",
      },
      required: false,
      readOnly: true,
    },
    {
      name: 'createdAt',
      schema: { type: 'string', format: 'date-time', description: 'When the record was created.' },
      required: false,
      readOnly: true,
    },
    {
      name: 'updatedAt',
      schema: { type: 'string', format: 'date-time', description: 'When the record last changed.' },
      required: false,
      readOnly: true,
    },
  );
  return fields;
}

/** The name of the entity-id field inside an event's data, e.g. `loanId`. */
export function eventSubjectField(entity: Entity): string {
  return `${camel(entity.name)}Id`;
}

export function contextBySlugOrName(model: DomainModel, key: string): BoundedContext | undefined {
  const lower = key.toLowerCase();
  return model.contexts.find((c) => c.name.toLowerCase() === lower || c.slug === lower);
}
