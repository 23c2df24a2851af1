import type { AnswerPart } from '../../../core/agent';
import type { BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import type { Vision } from '../../../toolchain/schemas/vision';

/**
 * A domain model grows with what the vision says of its entities: its answer is about 1.2 to 1.4 times the
 * vision's domain section (entities, their actions and rules) in tokens, on the examples. A vision whose domain
 * section is over this many bytes (about 3,000 tokens, so an answer near 4,000) is written in parts: first the
 * frame (contexts, and which entity lives in which), then runs of consecutive entities whose share of the domain
 * section stays under it, in full.
 */
export const partDomainBytes = 12_000;

/**
 * The most entities a product may have when a model writes its architecture: the frame (about 120 answer tokens
 * an entity) and the Solution Architect's design (about 150) are still one call each, and stay under 8,000
 * tokens with room to spare up to here. A larger vision is several products.
 */
export const maxEntities = 40;

const frameHeader = /^This call writes part 1 of \d+ of the domain model\b/m;
/** The lines of a part's focus that name its entities. */
export const partEntitiesLine = 'Entities of this part:';
const leftoverLine = 'Also write in full:';

/** The bytes of the vision's domain section that are about one entity: the entity, its actions and its rules. */
function shareOf(vision: Vision, entity: string): number {
  const { entities, actions, rules } = vision.domain;
  return Buffer.byteLength(
    JSON.stringify([
      entities.find((e) => e.name === entity),
      actions.filter((a) => a.entity === entity),
      rules.filter((r) => r.entity === entity),
    ]),
  );
}

/** The frame first, then the vision's entities in runs of about `partDomainBytes`, in the vision's order. */
export function domainModelParts(vision: Vision): AnswerPart[] {
  const names = vision.domain.entities.map((e) => e.name);
  if (names.length > maxEntities)
    throw new Error(
      `the vision describes ${names.length} entities; a product whose architecture a language model writes may have at most ${maxEntities} (its design is one answer of at most 8,000 tokens): split the vision into several products`,
    );
  const shares = names.map((name) => shareOf(vision, name));
  const total = shares.reduce((sum, bytes) => sum + bytes, 0);
  if (total <= partDomainBytes) return [];
  // Runs of even size: a domain section of 1.5 parts is two parts of 0.75, not one full and one small. An entity
  // goes to the run its middle falls in.
  const runs = Math.ceil(total / partDomainBytes);
  const groups: string[][] = Array.from({ length: runs }, () => []);
  let before = 0;
  for (const [i, name] of names.entries()) {
    groups[Math.min(runs - 1, Math.floor(((before + shares[i] / 2) / total) * runs))].push(name);
    before += shares[i];
  }
  const filled = groups.filter((group) => group.length > 0);
  const count = filled.length + 1;
  return [
    {
      id: 'frame',
      focus: [
        `This call writes part 1 of ${count} of the domain model: its frame; the parts are merged.`,
        'Write the product, the actors and every bounded context with its description and dependsOn, and place every entity of the vision (and any other entity the backlog needs) in one context.',
        'Give each entity only its name, plural, slug, description, aggregateRoot and one identifying attribute; leave relations, invariants, rules and states out and commands and events empty: the next parts write them.',
      ].join('\n'),
    },
    ...filled.map((group, i) => ({
      id: `entities-${group.join('-')}`,
      // The backlog decides where entities live (the frame's work); writing an entity needs the vision only.
      leaves: ['backlog'],
      focus: [
        `This call writes part ${i + 2} of ${count} of the domain model: some entities in full; the parts are merged.`,
        `${partEntitiesLine} ${group.join(', ')}.`,
        'Write each of them in the context the frame below gives it, with all its attributes, relations, invariants, rules and states, and the commands and events about it. Write only those contexts, with only these entities (relations may name entities of other parts).',
      ].join('\n'),
    })),
  ];
}

/** Where the frame placed each entity: what every part after the first is told, and the last one's leftovers. */
export function recallFrame(part: AnswerPart, earlier: DomainModel[]): string {
  const frame = earlier[0];
  if (!frame || frameHeader.test(part.focus)) return '';
  const lines = [
    'The frame (part 1) that this part follows, each context with its entities:',
    ...frame.contexts.map((c) => `- ${c.name} (${c.slug}): ${c.entities.map((e) => e.name).join(', ')}`),
  ];
  // The frame may add entities the vision does not list (the backlog needs them): the last part writes them.
  const header = /^This call writes part (\d+) of (\d+) /m.exec(part.focus);
  if (header && header[1] === header[2]) {
    const named = new Set(entitiesOfPart(part.focus));
    const listed = new Set(earlier.slice(1).flatMap(entityNames));
    const leftover = entityNames(frame).filter((n) => !named.has(n) && !listed.has(n));
    if (leftover.length)
      lines.push(`${leftoverLine} ${leftover.join(', ')} (entities of the frame no other part writes).`);
  }
  return lines.join('\n');
}

function entityNames(model: DomainModel): string[] {
  return model.contexts.flatMap((c) => c.entities.map((e) => e.name));
}

/** The entities a part writes in full, from its focus and what it was told of the frame. */
export function entitiesOfPart(focus: string): string[] {
  return focus
    .split('\n')
    .filter((l) => l.startsWith(partEntitiesLine) || l.startsWith(leftoverLine))
    .flatMap((l) =>
      l
        .slice(l.indexOf(':') + 1)
        .replace(/ \(entities of the frame.*$|\.$/g, '')
        .split(',')
        .map((n) => n.trim())
        .filter(Boolean),
    );
}

/** An entity as the frame gives it: who it is and one identifying attribute. */
function framed(entity: Entity): Entity {
  const { name, plural, slug, description, aggregateRoot, attributes } = entity;
  return {
    name,
    plural,
    slug,
    description,
    aggregateRoot,
    attributes: attributes.slice(0, 1),
    relations: [],
    invariants: [],
  };
}

/**
 * The share of a whole domain model a part asks for: what a model answering that part would write (the token
 * bench measures parts with it, the test model answers with it).
 */
export function domainModelPart(whole: DomainModel, part: AnswerPart): DomainModel {
  if (frameHeader.test(part.focus))
    return {
      ...whole,
      contexts: whole.contexts.map((c) => ({
        ...c,
        entities: c.entities.map(framed),
        commands: [],
        events: [],
      })),
    };
  const names = new Set(entitiesOfPart(part.focus));
  return {
    ...whole,
    contexts: whole.contexts
      .map((c) => ({
        ...c,
        entities: c.entities.filter((e) => names.has(e.name)),
        commands: c.commands.filter((x) => names.has(x.entity)),
        events: c.events.filter((x) => names.has(x.entity)),
      }))
      .filter((c) => c.entities.length > 0),
  };
}

/**
 * One domain model from the parts' answers. The frame decides the contexts, their order and where each entity
 * lives; an entity comes from the first part that wrote it in full (the frame's sketch when none did); commands
 * and events go to the context of their entity, each once; an entity only a later part wrote joins the context
 * that part named (a new one if the frame has no such context).
 */
export function mergeDomainModelParts(answers: DomainModel[]): DomainModel {
  const [frame, ...details] = answers;
  const written = new Map<string, { entity: Entity; context: BoundedContext }>();
  for (const answer of details)
    for (const context of answer.contexts)
      for (const entity of context.entities)
        if (!written.has(entity.name)) written.set(entity.name, { entity, context });
  const contexts: BoundedContext[] = frame.contexts.map((c) => ({
    ...c,
    entities: c.entities.map((e) => written.get(e.name)?.entity ?? e),
    commands: [],
    events: [],
    dependsOn: [...c.dependsOn],
  }));
  const placed = new Set(entityNames(frame));
  const same = (a: BoundedContext) => (b: BoundedContext) => a.slug === b.slug || a.name === b.name;
  for (const [name, { entity, context }] of written) {
    if (placed.has(name)) continue;
    let target = contexts.find(same(context));
    if (!target) contexts.push((target = { ...context, entities: [], commands: [], events: [] }));
    target.entities.push(entity);
    placed.add(name);
  }
  const home = new Map(contexts.flatMap((c) => c.entities.map((e) => [e.name, c] as const)));
  // The frame's own commands count only for entities no part wrote in full.
  const sources = [...details, { ...frame, contexts: frame.contexts.map((c) => filterWritten(c, written)) }];
  for (const answer of sources)
    for (const context of answer.contexts) {
      const fallback = contexts.find(same(context));
      for (const command of context.commands) {
        const target = home.get(command.entity) ?? fallback;
        if (target && !target.commands.some((x) => x.name === command.name)) target.commands.push(command);
      }
      for (const event of context.events) {
        const target = home.get(event.entity) ?? fallback;
        if (target && !target.events.some((x) => x.name === event.name)) target.events.push(event);
      }
      if (fallback)
        for (const slug of context.dependsOn)
          if (!fallback.dependsOn.includes(slug)) fallback.dependsOn.push(slug);
    }
  for (const context of contexts) {
    const rank = (entity: string) => context.entities.findIndex((e) => e.name === entity);
    context.commands.sort((a, b) => rank(a.entity) - rank(b.entity));
    context.events.sort((a, b) => rank(a.entity) - rank(b.entity));
  }
  const actors = [...frame.actors];
  for (const answer of details)
    for (const actor of answer.actors) if (!actors.some((a) => a.name === actor.name)) actors.push(actor);
  return { ...frame, actors, contexts };
}

function filterWritten(context: BoundedContext, written: Map<string, unknown>): BoundedContext {
  return {
    ...context,
    commands: context.commands.filter((c) => !written.has(c.entity)),
    events: context.events.filter((e) => !written.has(e.entity)),
  };
}
