import type { BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import { domainModelSchema } from '../../../toolchain/schemas/domainModel';
import { kebabCase, labelOf, pluralNameOf } from '../../../toolchain/vision/language';
import { contextBySlugOrName, findEntity } from '../../../toolchain/architecture/model';

/** What a story says about the domain: which entity it is about, and its epic (stories of an epic stay together). */
export interface StoryEntity {
  story: string;
  entity: string;
  epic: string;
}

export interface Refinement {
  model: DomainModel;
  /** One line per change, for the blueprint and the ADRs. */
  changes: string[];
  /** Each feedback item and what became of it. */
  feedbackAddressed: Array<{ feedback: string; outcome: string }>;
}

function minimalEntity(name: string, reason: string): Entity {
  return {
    name,
    plural: pluralNameOf(name),
    slug: kebabCase(name),
    description: `A ${labelOf(name)}, ${reason}.`,
    aggregateRoot: true,
    attributes: [
      {
        name: 'name',
        type: 'string',
        required: true,
        description: `Name of the ${labelOf(name)}.`,
        maxLength: 200,
      },
    ],
    relations: [],
    invariants: [],
  };
}

/** The context an entity of these stories' epic most often lives in; the first context when nothing says. */
function homeFor(model: DomainModel, entity: string, stories: StoryEntity[]): BoundedContext {
  const epics = new Set(stories.filter((s) => s.entity === entity).map((s) => s.epic));
  const votes = new Map<BoundedContext, number>();
  for (const story of stories.filter((s) => epics.has(s.epic))) {
    const ref = findEntity(model, story.entity);
    if (ref) votes.set(ref.context, (votes.get(ref.context) ?? 0) + 1);
  }
  let best = model.contexts[0];
  for (const context of model.contexts)
    if ((votes.get(context) ?? 0) > (votes.get(best) ?? 0)) best = context;
  return best;
}

/** Upstream contexts follow the relations: a context depends on every context owning an entity it refers to. */
function recomputeDependencies(model: DomainModel): void {
  for (const context of model.contexts) {
    const upstream = new Set<string>();
    for (const entity of context.entities) {
      for (const relation of entity.relations) {
        const owner = findEntity(model, relation.target)?.context;
        if (owner && owner !== context) upstream.add(owner.name);
      }
    }
    context.dependsOn = [...upstream].sort();
  }
}

const entityMention = /\bentit(?:y|ies)\s+['"`]?([A-Z][A-Za-z0-9]*)/g;
const addMention = /\badd\s+(?:an?\s+|the\s+)?(?:entity\s+)?['"`]?([A-Z][A-Za-z0-9]*)/g;
const moveMention =
  /\bmove\s+(?:the\s+)?(?:entity\s+)?['"`]?([A-Z][A-Za-z0-9]*)['"`]?\s+(?:in)?to\s+(?:the\s+)?(?:context\s+)?['"`]?([A-Za-z][A-Za-z0-9-]*)/gi;

/**
 * Refines a derived domain model with what the backlog and reviewers say: every story's entity must live in a
 * bounded context (missing ones are added where their epic's other stories live), feedback naming an absent
 * entity adds it, and "move X to Y" moves an entity with its commands and events.
 */
export function refineDomainModel(
  derived: DomainModel,
  stories: StoryEntity[],
  feedback: string[],
): Refinement {
  const model = structuredClone(derived);
  const changes: string[] = [];
  const add = (name: string, reason: string, context?: BoundedContext) => {
    if (findEntity(model, name)) return undefined;
    const home = context ?? homeFor(model, name, stories);
    home.entities.push(minimalEntity(name, reason));
    const change = `added entity ${name} to context ${home.name} (${reason})`;
    changes.push(change);
    return change;
  };
  for (const story of stories) {
    if (story.entity && /^[A-Z][A-Za-z0-9]*$/.test(story.entity))
      add(story.entity, `story ${story.story} is about it`);
  }
  const feedbackAddressed = feedback.map((item) => {
    const outcomes: string[] = [];
    for (const match of item.matchAll(moveMention)) {
      const ref = findEntity(model, match[1]);
      const target = contextBySlugOrName(model, match[2]);
      if (!ref || !target || ref.context === target) continue;
      ref.context.entities = ref.context.entities.filter((e) => e !== ref.entity);
      target.entities.push(ref.entity);
      for (const command of ref.context.commands.filter((c) => c.entity === ref.entity.name))
        target.commands.push(command);
      for (const event of ref.context.events.filter((e) => e.entity === ref.entity.name))
        target.events.push(event);
      ref.context.commands = ref.context.commands.filter((c) => c.entity !== ref.entity.name);
      ref.context.events = ref.context.events.filter((e) => e.entity !== ref.entity.name);
      const change = `moved entity ${ref.entity.name} from ${ref.context.name} to ${target.name}`;
      changes.push(change);
      outcomes.push(change);
    }
    const mentions = [...item.matchAll(entityMention), ...item.matchAll(addMention)];
    for (const entity of new Set(mentions.map((m) => m[1]))) {
      const match = mentions.find((m) => m[1] === entity)!;
      const rest = item.slice((match.index ?? 0) + match[0].length);
      const named = /\b(?:in|to)\s+(?:the\s+)?(?:context\s+)?['"`]?([A-Z][A-Za-z0-9-]*)/.exec(rest);
      const context = named ? contextBySlugOrName(model, named[1]) : undefined;
      const change = add(entity, 'named in review feedback', context);
      if (change) outcomes.push(change);
      else if (findEntity(model, entity))
        outcomes.push(`entity ${entity} is in context ${findEntity(model, entity)!.context.name}`);
    }
    return {
      feedback: item,
      outcome: outcomes.length
        ? `${[...new Set(outcomes)].join('; ')}.`
        : 'Recorded; no change to the domain model follows from it.',
    };
  });
  // An emptied context is dropped rather than left without entities (a bounded context needs at least one).
  model.contexts = model.contexts.filter((c) => c.entities.length > 0);
  recomputeDependencies(model);
  return { model: domainModelSchema.parse(model), changes, feedbackAddressed };
}
