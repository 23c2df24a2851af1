import { moneyBounds } from '../../../toolchain/money';
import type {
  Attribute,
  BoundedContext,
  Command,
  DomainEvent,
  DomainModel,
  Entity,
} from '../../../toolchain/schemas/domainModel';
import { domainModelSchema } from '../../../toolchain/schemas/domainModel';
import type { Vision, VisionEntity } from '../../../toolchain/schemas/vision';
import {
  camelCase,
  capitalise,
  kebabCase,
  labelOf,
  pascalCase,
  pastTense,
  plural,
} from '../../../toolchain/vision/language';
import { terminatingVerbs } from './vocabulary';

/**
 * From the analysed vision to the domain model: entities with typed attributes and foreign keys, bounded
 * contexts found by cohesion, commands with their lifecycle transitions and the events they emit.
 */

/** Link strength between two entities: references weigh most, then sharing an actor's actions. */
function cohesion(vision: Vision): Map<string, Map<string, number>> {
  const weights = new Map<string, Map<string, number>>();
  const add = (a: string, b: string, w: number) => {
    if (a === b) return;
    for (const [x, y] of [
      [a, b],
      [b, a],
    ]) {
      const row = weights.get(x) ?? new Map<string, number>();
      row.set(y, (row.get(y) ?? 0) + w);
      weights.set(x, row);
    }
  };
  for (const e of vision.domain.entities) for (const r of e.references) add(e.name, r, 3);
  const byEvidence = new Map<string, Set<string>>();
  for (const a of vision.domain.actions) {
    const set = byEvidence.get(a.evidence) ?? new Set<string>();
    set.add(a.entity);
    byEvidence.set(a.evidence, set);
  }
  for (const set of byEvidence.values()) {
    const list = [...set].sort();
    for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) add(list[i], list[j], 1);
  }
  return weights;
}

/**
 * Groups entities into 2-4 contexts (one for very small domains): average-linkage agglomerative clustering on
 * cohesion, with people kept apart from the things they act on so identity gets its own context.
 */
export function clusterEntities(vision: Vision): string[][] {
  const entities = vision.domain.entities;
  if (entities.length <= 2) return [entities.map((e) => e.name)];
  const weights = cohesion(vision);
  const w = (a: string, b: string) => weights.get(a)?.get(b) ?? 0;
  const persona = new Set(entities.filter((e) => e.isPersona).map((e) => e.name));
  const target = Math.max(2, Math.min(4, Math.round(entities.length / 3)));
  let clusters: string[][] = entities.map((e) => [e.name]);
  const kind = (c: string[]) => (c.every((n) => persona.has(n)) ? 'people' : 'things');
  while (clusters.length > target) {
    let best: { i: number; j: number; score: number } | undefined;
    for (let i = 0; i < clusters.length; i++) {
      for (let j = i + 1; j < clusters.length; j++) {
        let total = 0;
        for (const a of clusters[i]) for (const b of clusters[j]) total += w(a, b);
        let score = total / (clusters[i].length * clusters[j].length);
        // People and things merge only when nothing else is left to merge.
        if (kind(clusters[i]) !== kind(clusters[j])) score -= 100;
        // Small clusters are preferred partners, so one giant context does not swallow everything.
        score -= (clusters[i].length + clusters[j].length) * 0.01;
        if (!best || score > best.score) best = { i, j, score };
      }
    }
    if (!best) break;
    const merged = [...clusters[best.i], ...clusters[best.j]];
    clusters = clusters.filter((_, k) => k !== best!.i && k !== best!.j);
    clusters.push(merged);
    clusters.sort((a, b) => order(vision, a) - order(vision, b));
  }
  return clusters;
}

function order(vision: Vision, cluster: string[]): number {
  return Math.min(...cluster.map((n) => vision.domain.entities.findIndex((e) => e.name === n)));
}

function foreignKey(target: string): string {
  return `${camelCase(target)}Id`;
}

function toEntity(e: VisionEntity, vision: Vision, aggregateRoot: boolean): Entity {
  const attributes: Attribute[] = e.attributes.map((a) => ({
    name: a.name,
    type: a.type,
    required: a.required,
    description: a.description,
    ...(a.enumValues ? { enumValues: a.enumValues } : {}),
    ...(a.unique ? { unique: true } : {}),
    ...(a.type === 'money' ? moneyBounds(a) : {}),
    ...(a.type !== 'money' && a.minimum !== undefined ? { minimum: a.minimum } : {}),
    ...(a.type !== 'money' && a.maximum !== undefined ? { maximum: a.maximum } : {}),
    ...(a.type === 'string' ? { maxLength: 200 } : {}),
  }));
  for (const target of e.references) {
    const via = foreignKey(target);
    if (!attributes.some((a) => a.name === via))
      attributes.push({
        name: via,
        type: 'string',
        required: true,
        description: `Id of the ${labelOf(target)} this ${e.label} belongs to`,
      });
  }
  const stated = vision.domain.rules.filter((r) => r.entity === e.name);
  const invariants = stated.map((r) => r.text);
  const rules = stated.map((r, index) => ({
    id: `${kebabCase(e.name)}-rule-${index + 1}`,
    text: r.text,
    rule: r.rule,
  }));
  for (const a of e.attributes.filter((x) => x.type === 'enum' && x.enumValues))
    invariants.push(`${a.name} is one of ${a.enumValues!.join(', ')}`);
  if (e.states)
    invariants.push(
      `status follows the lifecycle ${e.states.join(' → ')}; commands are refused in other states`,
    );
  return {
    name: e.name,
    plural: e.plural,
    slug: kebabCase(e.plural),
    description: e.description,
    aggregateRoot,
    attributes,
    relations: e.references.map((target) => ({
      kind: 'belongsTo' as const,
      target,
      via: foreignKey(target),
    })),
    invariants,
    ...(rules.length > 0 ? { rules } : {}),
    ...(e.states ? { states: e.states } : {}),
  };
}

function contextName(cluster: VisionEntity[], used: Set<string>): string {
  const people = cluster.every((e) => e.isPersona);
  const inbound = (e: VisionEntity) => cluster.filter((o) => o.references.includes(e.name)).length;
  const core = [...cluster].sort(
    (a, b) =>
      Number(!!b.states) - Number(!!a.states) ||
      inbound(b) - inbound(a) ||
      b.mentions - a.mentions ||
      a.name.localeCompare(b.name),
  )[0];
  const candidates = people ? [`${core.name}Directory`, 'People'] : [core.plural, `${core.name}Management`];
  const name = candidates.find((c) => !used.has(c)) ?? `${core.name}Context${used.size + 1}`;
  used.add(name);
  return name;
}

/**
 * The states a transition may start from: the state before it in the lifecycle; for a verb that ends a
 * lifecycle early (cancel, decline), the early states, not once the main flow is nearly done.
 */
export function allowedStates(states: string[], target: string, verb: string): string[] {
  const index = states.indexOf(target);
  const terminating = index === states.length - 1 && index > 1 && terminatingVerbs.has(verb);
  if (terminating) return states.slice(0, Math.max(1, index - 2));
  return index > 0 ? [states[index - 1]] : [];
}

function commandsOf(vision: Vision, entity: VisionEntity): { commands: Command[]; events: DomainEvent[] } {
  const commands: Command[] = [];
  const events: DomainEvent[] = [];
  const payload = entity.attributes
    .filter((a) => a.required)
    .map((a) => a.name)
    .concat(entity.references.map(foreignKey));
  if (entity.states) {
    events.push({
      name: `${entity.name}Created`,
      entity: entity.name,
      description: `A ${entity.label} was created in state ${entity.states[0]}.`,
      payload,
    });
  }
  for (const action of vision.domain.actions.filter((a) => a.entity === entity.name && a.transitionTo)) {
    const states = entity.states ?? [];
    const target = action.transitionTo!;
    const allowedFrom = allowedStates(states, target, action.verb);
    const eventName = `${entity.name}${pascalCase(pastTense(action.verb.replace(/-/g, ' ')))}`;
    commands.push({
      name: action.name,
      entity: entity.name,
      verb: action.verb,
      actor: action.actor,
      description: `${capitalise(plural(labelOf(action.actor)))} ${action.verb.replace(/-/g, ' ')} a ${entity.label} (${target}).`,
      transitionTo: target,
      allowedFrom,
      emits: eventName,
    });
    if (!events.some((e) => e.name === eventName))
      events.push({
        name: eventName,
        entity: entity.name,
        description: `A ${entity.label} became ${target.replace(/_/g, ' ')}.`,
        payload: ['status', ...payload],
      });
  }
  return { commands, events };
}

export function deriveDomainModel(vision: Vision): DomainModel {
  const clusters = clusterEntities(vision);
  const byName = new Map(vision.domain.entities.map((e) => [e.name, e]));
  const used = new Set<string>();
  const home = new Map<string, string>();
  const contexts: BoundedContext[] = clusters.map((cluster) => {
    const members = cluster
      .map((n) => byName.get(n)!)
      .sort((a, b) => vision.domain.entities.indexOf(a) - vision.domain.entities.indexOf(b));
    const name = contextName(members, used);
    for (const m of members) home.set(m.name, name);
    // Roots: entities nothing else in the same context belongs to, or those with a lifecycle.
    const entities = members.map((e) => {
      const ownedInside = members.some((o) => o !== e && e.references.some((r) => r === o.name) && !e.states);
      return toEntity(e, vision, !ownedInside);
    });
    const commands: Command[] = [];
    const events: DomainEvent[] = [];
    for (const e of members) {
      const result = commandsOf(vision, e);
      commands.push(...result.commands);
      events.push(...result.events);
    }
    return {
      name,
      slug: kebabCase(name),
      description: `${members.map((m) => capitalise(plural(m.label))).join(', ')}: ${members.some((m) => m.isPersona) && members.every((m) => m.isPersona) ? 'who takes part and how to reach them' : 'the records and rules of this part of the product'}.`,
      entities,
      commands,
      events,
      dependsOn: [],
    };
  });
  for (const context of contexts) {
    const upstream = new Set<string>();
    for (const e of context.entities)
      for (const r of e.relations) if (home.get(r.target) !== context.name) upstream.add(home.get(r.target)!);
    context.dependsOn = [...upstream].sort();
  }
  const model: DomainModel = {
    product: { name: vision.title, slug: vision.slug },
    actors: vision.personas.map((p) => ({ name: p.name, description: p.description })),
    contexts,
  };
  return domainModelSchema.parse(model);
}
