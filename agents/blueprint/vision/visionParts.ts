import type { AnswerPart } from '../../../core/agent';
import type { Feature, Vision, VisionEntity } from '../../../toolchain/schemas/vision';
import { splitFrontMatter } from './markdown';

/**
 * A vision document grows with the vision text (about 2.2 answer tokens per byte on the examples), so a model
 * reads a longer vision in parts of about this many bytes: each part's answer stays near 5,500 tokens.
 */
export const partBytes = 2_500;

const partHeader = /^This call writes part (\d+) of (\d+) of the vision document\b/m;
const quoteStart = '<<< paragraphs of this part';
const quoteEnd = '>>> end of the paragraphs';

/** Blank-line separated blocks, a heading kept with the block after it, a block over `partBytes` cut at sentences. */
function blocks(body: string): string[] {
  const raw = body
    .split(/\r?\n\s*\r?\n/)
    .map((b) => b.trim())
    .filter(Boolean);
  const joined: string[] = [];
  for (const block of raw) {
    const previous = joined[joined.length - 1];
    if (previous !== undefined && /^#{1,6} [^\n]*$/.test(previous))
      joined[joined.length - 1] = `${previous}\n\n${block}`;
    else joined.push(block);
  }
  return joined.flatMap((block) => {
    if (Buffer.byteLength(block) <= partBytes) return [block];
    const pieces: string[] = [];
    let current = '';
    for (const sentence of block.split(/(?<=[.!?])\s+/)) {
      if (current && Buffer.byteLength(`${current} ${sentence}`) > partBytes) {
        pieces.push(current);
        current = sentence;
      } else current = current ? `${current} ${sentence}` : sentence;
    }
    return current ? [...pieces, current] : pieces;
  });
}

/** The vision text in parts of consecutive paragraphs; a vision of at most `partBytes` is one call. */
export function visionParts(text: string): AnswerPart[] {
  const { body } = splitFrontMatter(text);
  if (Buffer.byteLength(body) <= partBytes) return [];
  const chunks: string[] = [];
  for (const block of blocks(body)) {
    const last = chunks[chunks.length - 1];
    if (last !== undefined && Buffer.byteLength(`${last}\n\n${block}`) <= partBytes)
      chunks[chunks.length - 1] = `${last}\n\n${block}`;
    else chunks.push(block);
  }
  return chunks.map((chunk, i) => ({
    id: `paragraphs-${i + 1}-of-${chunks.length}`,
    focus: [
      `This call writes part ${i + 1} of ${chunks.length} of the vision document; the parts are merged.`,
      i === 0
        ? 'This part writes the whole frame from the whole vision: title, slug, summary, problem, opportunity, goals, success metrics, personas, scope and the reviewer feedback addressed.'
        : 'The first part writes the frame: here repeat only the title and slug, leave summary, problem and opportunity empty and goals, success metrics, scope, hints and feedback addressed as empty lists, and list only the personas that act in these paragraphs.',
      'Write the entities, actions, rules and features that the paragraphs below describe (an entity they only mention by name may be included with the attributes they give it); number features from F01 within this part.',
      quoteStart,
      chunk,
      quoteEnd,
    ].join('\n'),
  }));
}

const plain = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** The paragraphs a part's focus quotes, and its place among the parts; undefined for a message with no part. */
export function visionPartOf(focus: string): { number: number; paragraphs: string } | undefined {
  const header = partHeader.exec(focus);
  const start = focus.indexOf(quoteStart);
  const end = focus.lastIndexOf(quoteEnd);
  if (!header || start < 0 || end < start) return undefined;
  return { number: Number(header[1]), paragraphs: focus.slice(start + quoteStart.length, end) };
}

/**
 * The share of a whole vision a part asks for: the frame in the first part (the title and slug in the others),
 * the actions and rules whose sentence is in the part's paragraphs, the entities of those and of the sentences,
 * the features of those entities and actions, the personas that act in them. What a model answering the part
 * would write; the token bench sizes parts with it.
 */
export function visionPart(whole: Vision, focus: string): Vision {
  const part = visionPartOf(focus);
  if (!part) return whole;
  const text = plain(part.paragraphs);
  const inPart = (sentence: string | undefined) => sentence !== undefined && text.includes(plain(sentence));
  const actions = whole.domain.actions.filter((a) => inPart(a.evidence));
  const rules = whole.domain.rules.filter((r) => inPart(r.text));
  const named = new Set([...actions.map((a) => a.entity), ...rules.map((r) => r.entity)]);
  const entities = whole.domain.entities.filter((e) => named.has(e.name) || inPart(e.evidence));
  const kept = new Set(entities.map((e) => e.name));
  const actionNames = new Set(actions.map((a) => a.name));
  const features = whole.features
    .filter(
      (f) => kept.has(f.entity) && (f.actions.length === 0 || f.actions.some((a) => actionNames.has(a))),
    )
    .map((f, i) => ({
      ...f,
      id: `F${String(i + 1).padStart(2, '0')}`,
      actions: f.actions.filter((a) => actionNames.has(a)),
    }));
  const acting = new Set([...actions.map((a) => a.actor), ...features.map((f) => f.persona)]);
  const first = part.number === 1;
  const personas = first ? whole.personas : whole.personas.filter((p) => acting.has(p.name));
  return {
    ...(first
      ? whole
      : {
          ...whole,
          summary: '',
          problem: '',
          opportunity: '',
          goals: [],
          successMetrics: [],
          scope: { in: [], out: [] },
          hintsUsed: [],
          feedbackAddressed: [],
          reading: undefined,
        }),
    personas: personas.length ? personas : whole.personas.slice(0, 1),
    features,
    domain: {
      entities: entities.length ? entities : whole.domain.entities.slice(0, 1),
      actions,
      rules,
    },
  };
}

const union = <T>(lists: T[][], key: (item: T) => string): T[] => {
  const seen = new Map<string, T>();
  for (const item of lists.flat()) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
};

/** One entity from its descriptions in several parts: the first part's words, every part's attributes and links. */
function mergeEntity(found: VisionEntity[]): VisionEntity {
  const states = union(
    found.map((e) => e.states ?? []),
    (s) => s,
  );
  return {
    ...found[0],
    attributes: union(
      found.map((e) => e.attributes),
      (a) => a.name,
    ),
    references: union(
      found.map((e) => e.references),
      (r) => r,
    ),
    ...(states.length ? { states } : {}),
    isPersona: found.some((e) => e.isPersona),
    mentions: found.reduce((sum, e) => sum + e.mentions, 0),
  };
}

/**
 * One vision from the parts' answers: the first part's frame, every part's metrics, goals, scope and personas,
 * each entity once with the attributes and links all parts gave it, actions, rules and features once each
 * (features renumbered in part order). A later part repeating what an earlier one wrote adds nothing twice.
 */
export function mergeVisionParts(answers: Vision[]): Vision {
  const [first] = answers;
  const entities = new Map<string, VisionEntity[]>();
  for (const entity of answers.flatMap((a) => a.domain.entities))
    entities.set(entity.name, [...(entities.get(entity.name) ?? []), entity]);
  const features: Feature[] = union(
    answers.map((a) => a.features),
    (f) => f.name,
  ).map((f, i) => ({ ...f, id: `F${String(i + 1).padStart(2, '0')}` }));
  return {
    ...first,
    goals: union(
      answers.map((a) => a.goals),
      (g) => g,
    ),
    successMetrics: union(
      answers.map((a) => a.successMetrics),
      (m) => `${m.name}: ${m.target}`,
    ),
    personas: union(
      answers.map((a) => a.personas),
      (p) => p.name,
    ),
    features,
    scope: {
      in: union(
        answers.map((a) => a.scope.in),
        (s) => s,
      ),
      out: union(
        answers.map((a) => a.scope.out),
        (s) => s,
      ),
    },
    domain: {
      entities: [...entities.values()].map(mergeEntity),
      actions: union(
        answers.map((a) => a.domain.actions),
        (a) => a.name,
      ),
      rules: union(
        answers.map((a) => a.domain.rules),
        (r) => `${r.entity}: ${r.text}`,
      ),
    },
    hintsUsed: union(
      answers.map((a) => a.hintsUsed),
      (h) => h,
    ),
    feedbackAddressed: union(
      answers.map((a) => a.feedbackAddressed),
      (f) => f.feedback,
    ),
  };
}
