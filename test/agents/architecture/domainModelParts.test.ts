import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { partFocus, type AnswerPart, type AnswerSplit } from '../../../core/agent';
import {
  domainModelPart,
  domainModelParts,
  entitiesOfPart,
  maxEntities,
  mergeDomainModelParts,
  partDomainBytes,
  recallFrame,
} from '../../../agents/blueprint/architecture/domainModelParts';
import { refineDomainModel } from '../../../agents/blueprint/architecture/refinement';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { buildBacklog } from '../../../agents/blueprint/vision/backlogBuilder';
import { deriveDomainModel } from '../../../agents/blueprint/vision/domainDerivation';
import { buildRoadmap } from '../../../agents/blueprint/vision/roadmap';
import { domainModelSchema, type DomainModel, type Entity } from '../../../toolchain/schemas/domainModel';
import type { Vision } from '../../../toolchain/schemas/vision';

const root = join(__dirname, '../../..');

function modelOf(text: string): { vision: Vision; whole: DomainModel } {
  const vision = analyseVision(text);
  const backlog = buildBacklog(vision, buildRoadmap(vision));
  const stories = backlog.stories.map((s) => ({ story: s.id, entity: s.entity, epic: s.epic }));
  return { vision, whole: refineDomainModel(deriveDomainModel(vision), stories, []).model };
}

const { vision, whole } = modelOf(readFileSync(join(root, 'bench/visions/large/harbour-town.md'), 'utf8'));
const split: AnswerSplit<DomainModel> = {
  parts: async () => domainModelParts(vision),
  merge: mergeDomainModelParts,
  pick: domainModelPart,
  recall: recallFrame,
};

/** Each part answered in turn as a model following its focus would, from the whole answer of one call. */
function answerInParts(parts: AnswerPart[], answer: (part: AnswerPart) => DomainModel): DomainModel[] {
  const answers: DomainModel[] = [];
  for (const part of parts) answers.push(answer({ ...part, focus: partFocus(split, part, answers) }));
  return answers;
}

const entityNames = (model: DomainModel) => model.contexts.flatMap((c) => c.entities.map((e) => e.name));

describe('a domain model asked of a model in parts', () => {
  it('is one call for a vision whose domain fits in one answer', () => {
    for (const example of readdirSync(join(root, 'examples/visions')).filter((f) => f.endsWith('.md'))) {
      const read = analyseVision(readFileSync(join(root, 'examples/visions', example), 'utf8'));
      expect(Buffer.byteLength(JSON.stringify(read.domain))).toBeLessThanOrEqual(partDomainBytes);
      expect(domainModelParts(read)).toEqual([]);
    }
  });

  it('draws the frame first, then names every entity of the vision once, in runs of even size', () => {
    const parts = domainModelParts(vision);
    const names = vision.domain.entities.map((e) => e.name);
    const bytes = Buffer.byteLength(JSON.stringify(vision.domain));
    expect(bytes).toBeGreaterThan(partDomainBytes);
    expect(parts).toHaveLength(1 + Math.ceil(bytes / partDomainBytes));
    expect(parts[0].focus).toMatch(/^This call writes part 1 of \d+ of the domain model: its frame/);
    expect(entitiesOfPart(parts[0].focus)).toEqual([]);
    expect(parts.slice(1).flatMap((p) => entitiesOfPart(p.focus))).toEqual(names);
    // The long example's twelve entities: two runs of six.
    expect(parts.slice(1).map((p) => entitiesOfPart(p.focus).length)).toEqual([6, 6]);
    expect(new Set(parts.map((p) => p.id)).size).toBe(parts.length);
    // Only the frame reads the backlog.
    expect(parts.map((p) => p.leaves ?? [])).toEqual([[], ...parts.slice(1).map(() => ['backlog'])]);
  });

  it('refuses a product of more entities than one design answer can hold, saying why', () => {
    const many = (count: number): Vision => ({
      ...vision,
      domain: {
        ...vision.domain,
        entities: Array.from({ length: count }, (_, i) => ({
          ...vision.domain.entities[0],
          name: `Thing${i + 1}`,
        })),
      },
    });
    expect(domainModelParts(many(maxEntities)).length).toBeGreaterThan(2);
    expect(() => domainModelParts(many(maxEntities + 1))).toThrow(
      `the vision describes ${maxEntities + 1} entities; a product whose architecture a language model writes may have at most ${maxEntities}`,
    );
  });

  it('tells every later part where the frame placed each entity', () => {
    const parts = domainModelParts(vision);
    const frame = domainModelPart(whole, parts[0]);
    expect(recallFrame(parts[0], [])).toBe('');
    const told = recallFrame(parts[1], [frame]);
    for (const context of whole.contexts)
      expect(told).toContain(
        `- ${context.name} (${context.slug}): ${context.entities.map((e) => e.name).join(', ')}`,
      );
  });

  it('merges the parts into the domain model one answer would be, each part a fraction of it', () => {
    const parts = domainModelParts(vision);
    const answers = answerInParts(parts, (part) => domainModelPart(whole, part));
    const size = (model: DomainModel) => JSON.stringify(model).length;
    for (const answer of answers) {
      expect(domainModelSchema.safeParse(answer).success).toBe(true);
      expect(size(answer)).toBeLessThan(size(whole) * 0.7);
    }
    // The frame sketches each entity: one attribute, no commands or events.
    expect(
      answers[0].contexts.every(
        (c) => c.commands.length === 0 && c.entities.every((e) => e.attributes.length === 1),
      ),
    ).toBe(true);
    const merged = mergeDomainModelParts(answers);
    expect(merged).toEqual(whole);
  });

  it('has the last part write the entities the frame added beyond the vision, and merges them', () => {
    const extra: Entity = {
      ...whole.contexts[0].entities[0],
      name: 'AuditEntry',
      plural: 'AuditEntries',
      slug: 'audit-entries',
    };
    const withExtra: DomainModel = {
      ...whole,
      contexts: whole.contexts.map((c, i) => (i === 0 ? { ...c, entities: [...c.entities, extra] } : c)),
    };
    const parts = domainModelParts(vision);
    const answers = answerInParts(parts, (part) => domainModelPart(withExtra, part));
    const last = answers[answers.length - 1];
    expect(entityNames(last)).toContain('AuditEntry');
    expect(answers.slice(1, -1).some((a) => entityNames(a).includes('AuditEntry'))).toBe(false);
    expect(mergeDomainModelParts(answers)).toEqual(withExtra);
  });

  it("keeps the frame's placement and sketch, and files commands and events under their entity's context", () => {
    const parts = domainModelParts(vision);
    const answers = answerInParts(parts, (part) => domainModelPart(whole, part));
    const [first, second] = whole.contexts;
    const moved = first.entities[0].name;
    // The second part puts an entity the frame placed in one context into another, with its commands.
    const detail = answers.findIndex((a, i) => i > 0 && entityNames(a).includes(moved));
    answers[detail] = {
      ...answers[detail],
      contexts: answers[detail].contexts.map((c) =>
        c.name === first.name ? { ...c, name: second.name, slug: second.slug } : c,
      ),
    };
    // An entity no part wrote in full stays as the frame sketched it.
    const skipped = whole.contexts[whole.contexts.length - 1].entities.at(-1)!.name;
    const last = answers.length - 1;
    answers[last] = {
      ...answers[last],
      contexts: answers[last].contexts
        .map((c) => ({
          ...c,
          entities: c.entities.filter((e) => e.name !== skipped),
          commands: c.commands.filter((x) => x.entity !== skipped),
          events: c.events.filter((x) => x.entity !== skipped),
        }))
        .filter((c) => c.entities.length > 0),
    };
    const merged = mergeDomainModelParts(answers);
    const contextOf = (name: string) => merged.contexts.find((c) => c.entities.some((e) => e.name === name))!;
    expect(contextOf(moved).name).toBe(first.name);
    expect(
      contextOf(moved)
        .commands.filter((c) => c.entity === moved)
        .map((c) => c.name),
    ).toEqual(first.commands.filter((c) => c.entity === moved).map((c) => c.name));
    const sketch = contextOf(skipped).entities.find((e) => e.name === skipped)!;
    expect(sketch.attributes).toHaveLength(1);
    expect(entityNames(merged)).toEqual(entityNames(whole));
    expect(domainModelSchema.safeParse(merged).success).toBe(true);
  });

  it('adds an entity only a later part wrote to the context that part named, or to a new one', () => {
    const parts = domainModelParts(vision);
    const answers = answerInParts(parts, (part) => domainModelPart(whole, part));
    const template = answers[1].contexts[0];
    const novel = (name: string): Entity => ({
      ...template.entities[0],
      name,
      plural: `${name}s`,
      slug: name.toLowerCase(),
    });
    answers[1] = {
      ...answers[1],
      contexts: [
        { ...template, entities: [...template.entities, novel('Permit')] },
        ...answers[1].contexts.slice(1),
        {
          ...template,
          name: 'Licensing',
          slug: 'licensing',
          entities: [novel('Licence')],
          commands: [],
          events: [],
          dependsOn: [],
        },
      ],
    };
    const merged = mergeDomainModelParts(answers);
    expect(merged.contexts.find((c) => c.name === template.name)!.entities.map((e) => e.name)).toContain(
      'Permit',
    );
    expect(merged.contexts.at(-1)!.name).toBe('Licensing');
    expect(merged.contexts.at(-1)!.entities.map((e) => e.name)).toEqual(['Licence']);
  });
});
