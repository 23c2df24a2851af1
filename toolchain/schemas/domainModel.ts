import { z } from 'zod';
import { typedRuleSchema } from './typedRule';
import { productSlugSchema } from './productSlug';

/**
 * The domain model (artifact kind `domain-model`): the contract between the architecture agents of phase 1
 * and every agent after them (code, migrations, tests, clients). Names follow fixed casing rules so that
 * generators never have to guess: contexts and entities PascalCase, attributes camelCase, slugs kebab-case.
 */
export const attributeTypes = [
  'string',
  'text',
  'integer',
  'number',
  'boolean',
  'date',
  'datetime',
  'email',
  'money',
  'enum',
] as const;

export const attributeSchema = z.object({
  name: z.string().regex(/^[a-z][a-zA-Z0-9]*$/),
  type: z.enum(attributeTypes),
  required: z.boolean(),
  description: z.string(),
  enumValues: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).optional(),
  unique: z.boolean().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  maxLength: z.number().int().positive().optional(),
});

export const relationSchema = z.object({
  kind: z.enum(['belongsTo', 'hasMany']),
  target: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  /** The foreign key attribute on the owning side, e.g. `memberId`. */
  via: z.string().regex(/^[a-z][a-zA-Z0-9]*$/),
});

export const entitySchema = z.object({
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  plural: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  slug: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string(),
  aggregateRoot: z.boolean(),
  attributes: z.array(attributeSchema).min(1),
  relations: z.array(relationSchema),
  /** Business rules the entity must keep, in plain language, each enforced by generated code. */
  invariants: z.array(z.string()),
  /**
   * The vision's rules about this entity as typed specifications (or `unsupported` with the reason), each with the
   * sentence it came from. Absent when the model was written without them.
   */
  rules: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-z0-9-]*$/),
        text: z.string().min(1),
        rule: typedRuleSchema,
      }),
    )
    .optional(),
  /** Lifecycle states when the vision implies one (e.g. requested, approved, returned). */
  states: z.array(z.string().regex(/^[a-z][a-z0-9_]*$/)).optional(),
});

export const commandSchema = z.object({
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  entity: z.string(),
  verb: z.string(),
  actor: z.string(),
  description: z.string(),
  /** The state the entity moves to, when the entity has states. */
  transitionTo: z.string().optional(),
  /** The states the entity must be in for the command to be allowed. */
  allowedFrom: z.array(z.string()).optional(),
  emits: z.string(),
});

export const domainEventSchema = z.object({
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  entity: z.string(),
  description: z.string(),
  /** Attribute names of the entity carried by the event, besides its id. */
  payload: z.array(z.string()),
});

export const boundedContextSchema = z.object({
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  slug: z.string().regex(/^[a-z][a-z0-9-]*$/),
  description: z.string(),
  entities: z.array(entitySchema).min(1),
  commands: z.array(commandSchema),
  events: z.array(domainEventSchema),
  /** Other contexts this one depends on (upstream in the context map). */
  dependsOn: z.array(z.string()),
});

export const domainModelSchema = z.object({
  product: z.object({ name: z.string(), slug: productSlugSchema }),
  actors: z.array(z.object({ name: z.string(), description: z.string() })),
  contexts: z.array(boundedContextSchema).min(1),
});

export type Attribute = z.infer<typeof attributeSchema>;
export type Relation = z.infer<typeof relationSchema>;
export type Entity = z.infer<typeof entitySchema>;
export type Command = z.infer<typeof commandSchema>;
export type DomainEvent = z.infer<typeof domainEventSchema>;
export type BoundedContext = z.infer<typeof boundedContextSchema>;
export type DomainModel = z.infer<typeof domainModelSchema>;
