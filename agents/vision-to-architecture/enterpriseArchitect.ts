import type { AgentDefinition } from '../../core/agent';
import { adrFiles } from '../../toolchain/architecture/adr';
import { enterpriseDecisions } from '../blueprint/architecture/decisions';
import { jsonInput } from '../blueprint/architecture/inputs';
import {
  domainModelPart,
  domainModelParts,
  mergeDomainModelParts,
  recallFrame,
} from '../blueprint/architecture/domainModelParts';
import { renderArchitectureBlueprint, renderContextMap } from '../blueprint/architecture/landscape';
import { findEntity } from '../../toolchain/architecture/model';
import { refineDomainModel } from '../blueprint/architecture/refinement';
import { deriveDomainModel } from '../blueprint/vision/domainDerivation';
import { backlogSchema } from '../../toolchain/schemas/backlog';
import { domainModelSchema, type DomainModel } from '../../toolchain/schemas/domainModel';
import { visionSchema } from '../../toolchain/schemas/vision';

/**
 * What each feedback item did to the model, judged from the output alone (so it also holds when a language
 * model, not the blueprint, produced the model): an entity the item names is now in some context, or not.
 */
function feedbackOutcomes(model: DomainModel, feedback: string[]) {
  return feedback.map((item) => {
    const named = [
      ...new Set([...item.matchAll(/\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]+)*)\b/g)].map((m) => m[1])),
    ].filter((n) => findEntity(model, n));
    return {
      feedback: item,
      outcome: named.length
        ? named.map((n) => `${n} is in context ${findEntity(model, n)!.context.name}`).join('; ')
        : 'recorded; the contexts were kept as derived',
    };
  });
}

export const enterpriseArchitect: AgentDefinition<DomainModel> = {
  name: 'enterpriseArchitect',
  role: 'Enterprise Architect',
  phase: 'vision-to-architecture',
  purpose:
    'Turns the analysed vision and the backlog into the domain model, its bounded contexts and the context map.',
  uses: 'model',
  deployment: 'simple',
  reads: ['vision', 'backlog'],
  writes: ['domain-model', 'context-map', 'architecture-blueprint', 'adr'],
  output: domainModelSchema,
  prompt: {
    version: '1.1.0',
    system: [
      'You are the Enterprise Architect of a software factory. You apply domain-driven design to the analysed vision',
      'and the product backlog: group the entities into 2-4 bounded contexts by cohesion (entities linked by relations',
      'and by the same actions stay together; people and identity apart from the things they act on), give every',
      'entity typed attributes (string, text, integer, number, boolean, date, datetime, email, money, enum), belongsTo',
      'relations via <target>Id, invariants from the rules and lifecycle states when the vision implies one; define',
      'commands (verb, actor, transitionTo, allowedFrom) that each emit a past-tense domain event with a payload, and',
      'dependsOn between contexts (upstream = owner of a referenced entity). Every user story of the backlog must be',
      'about an entity of some bounded context. Casing: contexts and entities PascalCase, attributes camelCase, slugs',
      'kebab-case. Give each entity the rules of the vision about it, typed with the kind that says them (limits,',
      'guards, windows, comparisons, formulas, effects, prerequisites, who may act). A rule that no kind expresses but',
      'that a reader can decide for a single record is kind "policy": when it is checked (create, update, write), the',
      'status it answers (422 when the record itself breaks it, 409 when it conflicts with the state of things), 2-12',
      'examples it allows and refuses, each with why, and the values each example sets (attribute name and the text',
      'a person would type, numbered by example); its check is then written and tested against those examples. Keep',
      '"unsupported" with the reason for a rule that is neither.',
      'Apply every review finding you are given; it overrides your own grouping.',
    ].join(' '),
    user: [
      'Vision document with the analysed domain (JSON):',
      '{{vision}}',
      '',
      'Backlog (JSON: epics and user stories, each naming its entity):',
      '{{backlog}}',
      '',
      'Review feedback to address (may be empty):',
      '{{feedback}}',
      '',
      'Return the domain model JSON: { product: { name, slug }, actors, contexts: [{ name, slug, description, entities,',
      'commands, events, dependsOn }] }.',
    ].join('\n'),
  },
  // A domain model grows with its entities: a model draws the frame, then writes a few entities per call.
  split: {
    parts: async (ctx) => domainModelParts(await jsonInput(ctx, 'vision', visionSchema)),
    merge: mergeDomainModelParts,
    pick: domainModelPart,
    recall: recallFrame,
  },
  async blueprint(ctx) {
    const vision = await jsonInput(ctx, 'vision', visionSchema);
    const backlog = await jsonInput(ctx, 'backlog', backlogSchema);
    const stories = backlog.stories.map((s) => ({ story: s.id, entity: s.entity, epic: s.epic }));
    return refineDomainModel(deriveDomainModel(vision), stories, ctx.feedback).model;
  },
  async artifacts(model, ctx) {
    const vision = await jsonInput(ctx, 'vision', visionSchema);
    const feedback = feedbackOutcomes(model, ctx.feedback);
    return [
      {
        path: 'architecture/domain-model.json',
        kind: 'domain-model',
        contentType: 'application/json',
        content: `${JSON.stringify(model, null, 2)}\n`,
      },
      {
        path: 'architecture/context-map.mmd',
        kind: 'context-map',
        contentType: 'text/vnd.mermaid',
        content: renderContextMap(model),
      },
      {
        path: 'architecture/blueprint.md',
        kind: 'architecture-blueprint',
        contentType: 'text/markdown',
        content: renderArchitectureBlueprint({
          model,
          title: vision.title,
          summary: vision.summary,
          metrics: vision.successMetrics.map((m) => ({ name: m.name, target: m.target })),
          feedback,
        }),
      },
      ...adrFiles(
        enterpriseDecisions(
          model,
          feedback.map((f) => `Review feedback: ${f.feedback} (outcome: ${f.outcome})`),
        ),
      ),
    ];
  },
};
