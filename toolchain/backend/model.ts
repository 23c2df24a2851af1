import type { Attribute, BoundedContext, Command, Entity } from '../schemas/domainModel';
import {
  camel,
  collectionPath,
  commandPath,
  contextOperations,
  itemPath,
  kebab,
  type Operation,
} from '../apiConventions';
import { tsLiteral } from '../escaping/tsLiteral';
import { computedAttributes, planRules, type PlannedRule, type RulePlan } from './rulePlan';

/**
 * The view of a bounded context the service templates work from: names resolved once, relation keys turned
 * into uuid attributes, commands attached to their entities. Every template reads this, never the raw model.
 */
export interface ServiceAttribute extends Attribute {
  /** The attribute holds the id of another aggregate (a belongsTo key). */
  uuid: boolean;
}

export interface ServiceCommand {
  command: Command;
  /** camelCase function and operation id, e.g. `approveLoan`. */
  fn: string;
  path: string;
  transitionTo?: string;
  allowedFrom: string[];
  /**
   * The attribute that records when the command happened, set to the current time by it: `returnedAt` for a
   * command that moves a record to `returned`.
   */
  stamp?: Attribute;
}

export interface ServiceEntity {
  entity: Entity;
  name: string;
  /** camelCase singular, e.g. `loanRequest`. */
  var: string;
  /** camelCase plural, the application property, e.g. `loanRequests`. */
  plural: string;
  /** kebab-case file stem, e.g. `loan-request`. */
  file: string;
  collectionPath: string;
  itemPath: string;
  /** The attributes clients write (validated on create and update). */
  attributes: ServiceAttribute[];
  /** Attributes the service computes from derived-amount rules; read-only for clients. */
  derived: ServiceAttribute[];
  states: string[];
  /** Fields that hold the id of another record of this service (kept with a foreign key). */
  references: Array<{ field: string; entity: string }>;
  commands: ServiceCommand[];
  /** The enforced rules whose checks run in this entity's use cases. */
  checks: PlannedRule[];
}

export interface ServiceModel {
  context: BoundedContext;
  slug: string;
  packageName: string;
  entities: ServiceEntity[];
  operations: Operation[];
  /** How each typed rule of the context's entities is enforced, or why it is not. */
  rules: RulePlan;
}

export function serviceModel(context: BoundedContext, productSlug: string): ServiceModel {
  const rules = planRules(context);
  const entities = context.entities.map((entity): ServiceEntity => {
    const attributes: ServiceAttribute[] = entity.attributes.map((attribute) => ({
      ...attribute,
      uuid: entity.relations.some(
        (relation) => relation.kind === 'belongsTo' && relation.via === attribute.name,
      ),
    }));
    // A belongsTo key the model did not list as an attribute still has to be stored and validated.
    for (const relation of entity.relations) {
      if (relation.kind === 'belongsTo' && !attributes.some((a) => a.name === relation.via)) {
        attributes.push({
          name: relation.via,
          type: 'string',
          required: true,
          description: `Id of the ${relation.target}`,
          uuid: true,
        });
      }
    }
    const computed = computedAttributes(rules, entity.name);
    // References to a record of this service: its database keeps them with a foreign key.
    const references = [
      ...entity.relations
        .filter((r) => r.kind === 'belongsTo' && context.entities.some((e) => e.name === r.target))
        .map((r) => ({ field: r.via, entity: r.target })),
      ...context.entities.flatMap((other) =>
        other.relations
          .filter(
            (r) =>
              r.kind === 'hasMany' && r.target === entity.name && attributes.some((a) => a.name === r.via),
          )
          .map((r) => ({ field: r.via, entity: other.name })),
      ),
    ].filter((ref, index, all) => all.findIndex((other) => other.field === ref.field) === index);
    return {
      entity,
      name: entity.name,
      var: camel(entity.name),
      plural: camel(entity.plural),
      file: kebab(entity.name),
      collectionPath: collectionPath(entity),
      itemPath: itemPath(entity),
      attributes: attributes.filter((a) => !computed.has(a.name)),
      derived: attributes.filter((a) => computed.has(a.name)),
      states: entity.states ?? [],
      references,
      checks: rules.enforced.filter((rule) => rule.hook === entity.name),
      commands: context.commands
        .filter((command) => command.entity === entity.name)
        .map((command) => ({
          command,
          fn: camel(command.name),
          path: commandPath(entity, command),
          transitionTo: entity.states?.length ? command.transitionTo : undefined,
          allowedFrom: entity.states?.length ? (command.allowedFrom ?? []) : [],
          ...stampOf(entity, entity.states?.length ? command.transitionTo : undefined),
        })),
    };
  });
  return {
    context,
    slug: context.slug,
    packageName: `${productSlug}-${context.slug}-service`,
    entities,
    operations: contextOperations(context),
    rules,
  };
}

/** The TypeScript type of an attribute's value. */
export function tsType(attribute: ServiceAttribute): string {
  switch (attribute.type) {
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'enum':
      return (attribute.enumValues ?? []).map((value) => tsLiteral(value)).join(' | ') || 'string';
    default:
      // Money is a decimal string too, so no amount passes through a binary float.
      return 'string';
  }
}

/** `returnedAt` for the state `returned`: a date or time attribute named after the state a command leads to. */
function stampOf(entity: Entity, state: string | undefined): { stamp?: Attribute } {
  if (!state) return {};
  const name = `${state.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())}At`;
  const stamp = entity.attributes.find(
    (a) => a.name === name && (a.type === 'datetime' || a.type === 'date'),
  );
  return stamp ? { stamp } : {};
}
