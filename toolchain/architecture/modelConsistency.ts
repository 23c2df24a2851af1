import type { BoundedContext, DomainModel, Entity } from '../schemas/domainModel';
import { allEntities, findEntity, snake } from './model';

/** Columns every table gets whatever the model says (`tables.ts`): an attribute of the same column name collides. */
const generatedColumns = ['id', 'created_by', 'created_at', 'updated_at'];

function duplicates(names: string[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const name of names) (seen.has(name) ? twice : seen).add(name);
  return [...twice];
}

function entityProblems(model: DomainModel, context: BoundedContext, entity: Entity): string[] {
  const where = `Entity ${entity.name} (context ${context.name})`;
  const problems: string[] = [];
  for (const name of duplicates(entity.attributes.map((a) => snake(a.name))))
    problems.push(`${where} has two attributes stored as column ${name}.`);
  const reserved = [...generatedColumns, ...(entity.states?.length ? ['status'] : [])];
  for (const attribute of entity.attributes) {
    const at = `${where}, attribute ${attribute.name}`;
    if (reserved.includes(snake(attribute.name)))
      problems.push(`${at}: the name is the generated column ${snake(attribute.name)}; rename it.`);
    if (attribute.type === 'enum' && !attribute.enumValues?.length)
      problems.push(`${at} is an enum without enumValues.`);
    if (attribute.type !== 'enum' && attribute.enumValues)
      problems.push(`${at} has enumValues but is of type ${attribute.type}, not enum.`);
    if (
      attribute.minimum !== undefined &&
      attribute.maximum !== undefined &&
      attribute.minimum > attribute.maximum
    )
      problems.push(`${at}: minimum ${attribute.minimum} is above maximum ${attribute.maximum}.`);
  }
  for (const state of duplicates(entity.states ?? [])) problems.push(`${where} lists state ${state} twice.`);
  // A reference's key becomes a column of its own unless an attribute of the same name holds it.
  const keys = entity.relations
    .filter((r) => r.kind === 'belongsTo' && !entity.attributes.some((a) => a.name === r.via))
    .map((r) => snake(r.via));
  const columns = [...reserved, ...entity.attributes.map((a) => snake(a.name))];
  for (const key of [...new Set(keys)])
    if (columns.includes(key))
      problems.push(
        `${where}: the key of a reference, column ${key}, is also another column; rename the via.`,
      );
  for (const key of duplicates(keys))
    problems.push(`${where}: two references keep their key in column ${key}.`);
  for (const relation of entity.relations) {
    const target = findEntity(model, relation.target);
    if (!target) {
      problems.push(`${where} has a ${relation.kind} relation to ${relation.target}, which no context has.`);
      continue;
    }
    if (
      relation.kind === 'hasMany' &&
      !target.entity.relations.some((r) => r.kind === 'belongsTo' && r.target === entity.name)
    )
      problems.push(
        `${where} hasMany ${relation.target} via ${relation.via}, but ${relation.target} has no belongsTo ${entity.name} relation that holds the key.`,
      );
  }
  return problems;
}

function contextProblems(model: DomainModel, context: BoundedContext): string[] {
  const problems = context.entities.flatMap((entity) => entityProblems(model, context, entity));
  const entity = (name: string) => context.entities.find((e) => e.name === name);
  for (const command of context.commands) {
    const at = `Command ${command.name} (context ${context.name})`;
    const target = entity(command.entity);
    // A command on an entity of no context is the gate's "every command has an API operation" finding.
    const states = target?.states ?? [];
    for (const state of [command.transitionTo ?? [], command.allowedFrom ?? []].flat())
      if (target && !states.includes(state))
        problems.push(
          `${at} names state ${state}, which ${target.name} does not have (${states.join(', ') || 'no states'}).`,
        );
    if (!context.events.some((e) => e.name === command.emits))
      problems.push(`${at} emits ${command.emits}, which is not an event of ${context.name}.`);
  }
  for (const event of context.events) {
    const at = `Event ${event.name} (context ${context.name})`;
    const target = entity(event.entity);
    if (!target) problems.push(`${at} is about ${event.entity}, which is not an entity of ${context.name}.`);
    if (!target) continue;
    // Besides attributes an event may carry the lifecycle state and the keys of the entity's references.
    const carried = [
      ...target.attributes.map((a) => a.name),
      ...(target.states?.length ? ['status'] : []),
      ...target.relations.filter((r) => r.kind === 'belongsTo').map((r) => r.via),
    ];
    for (const name of event.payload)
      if (!carried.includes(name))
        problems.push(`${at} carries ${name}, which is not an attribute of ${target.name}.`);
  }
  for (const name of context.dependsOn)
    if (name === context.name || !model.contexts.some((c) => c.name === name))
      problems.push(`Context ${context.name} depends on ${name}, which is not another context of the model.`);
  for (const name of duplicates(context.commands.map((c) => c.name)))
    problems.push(`Context ${context.name} has two commands named ${name}.`);
  for (const name of duplicates(context.events.map((e) => e.name)))
    problems.push(`Context ${context.name} has two events named ${name}.`);
  return problems;
}

/**
 * What a domain model's schema cannot say but every generator relies on: names that are unique where they become
 * paths, tables and types, and references (relations, states, events, contexts) that point at something. The
 * analysis of a vision writes consistent models; a model a person or a language model wrote is checked with this.
 */
export function domainModelProblems(model: DomainModel): string[] {
  const problems: string[] = [];
  for (const name of duplicates(model.contexts.map((c) => c.name)))
    problems.push(`Two contexts are named ${name}.`);
  for (const slug of duplicates(model.contexts.map((c) => c.slug)))
    problems.push(`Two contexts have the slug ${slug}.`);
  const entities = allEntities(model).map((ref) => ref.entity);
  for (const name of duplicates(entities.map((e) => e.name)))
    problems.push(`Two entities are named ${name}: entity names are unique across the model.`);
  for (const context of model.contexts) {
    for (const plural of duplicates(context.entities.map((e) => snake(e.plural))))
      problems.push(`Two entities of context ${context.name} have the table (plural) ${plural}.`);
    for (const slug of duplicates(context.entities.map((e) => e.slug)))
      problems.push(`Two entities of context ${context.name} have the slug ${slug}.`);
    problems.push(...contextProblems(model, context));
  }
  return problems;
}
