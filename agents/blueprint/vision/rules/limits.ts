import type { TypedRule } from '../../../../toolchain/schemas/typedRule';
import { nominalisations } from '../vocabulary';
import { isParticiple, nounAfter, numberOf, unitOf, verbOf, type RuleSentence } from './ruleSentence';

/**
 * The nouns for the record a verb makes: the analysis's nominalisations, and "registration" for "register", which
 * the analysis leaves out (registering a boat keeps the boat, not a registration) but a limit on registrations means.
 */
function recordsOf(verb: string): string[] {
  return verb === 'register' ? ['registration'] : nominalisations(verb);
}

export interface Recognised {
  entity: string;
  rule: TypedRule;
}

/** Words that open an upper bound, each followed by the number ("at most 3", "a maximum of four"). */
const upperBounds = [
  ['at', 'most'],
  ['no', 'more', 'than'],
  ['not', 'more', 'than'],
  ['more', 'than'],
  ['up', 'to'],
  ['a', 'maximum', 'of'],
  ['maximum', 'of'],
  ['limited', 'to'],
  ['only'],
];

function phraseAt(words: string[], index: number, phrase: string[]): boolean {
  return phrase.every((w, k) => words[index + k] === w);
}

/** The first "at most N" (or a phrasing of it) whose number is followed by a countable thing. */
function upperBound(s: RuleSentence): { start: number; max: number; after: number } | undefined {
  for (let i = 0; i < s.words.length; i++) {
    for (const phrase of upperBounds) {
      if (!phraseAt(s.words, i, phrase)) continue;
      const max = numberOf(s.words[i + phrase.length]);
      if (max === undefined) continue;
      // "more than two" alone is a lower bound unless the sentence denies it ("no patron can have more than").
      if (
        phrase[0] === 'more' &&
        !/\b(no|not|cannot|can't|never|nobody|none)\b/.test(s.words.slice(0, i).join(' '))
      )
        continue;
      return { start: i, max, after: i + phrase.length + 1 };
    }
  }
  return undefined;
}

const auxiliaries = new Set(['can', 'may', 'must', 'is', 'are', 'be', 'to', 'should', 'will', 'only']);

/**
 * "A slot cannot be booked twice": at most one record of the verb's action per subject, the record being the one the
 * verb makes, or else the one entity that refers to the subject.
 */
function notTwice(s: RuleSentence): Recognised | undefined {
  const at = s.words.findIndex(
    (w, i) => w === 'twice' || (w === 'more' && s.words[i + 1] === 'than' && s.words[i + 2] === 'once'),
  );
  if (at < 1 || !/\b(cannot|can't|not|never)\b/.test(s.words.slice(0, at).join(' '))) return undefined;
  const subject = nounAfter(s, 0);
  if (!subject) return undefined;
  const entity = recordMadeBy(s, at - 1, subject.name);
  if (!entity) return undefined;
  return { entity, rule: { kind: 'count-limit', per: subject.name, max: 1 } };
}

/**
 * The record the verb at `index` makes of `subject` ("a slot cannot be booked": an Appointment or Booking), or else
 * the one entity that refers to the subject.
 */
export function recordMadeBy(s: RuleSentence, index: number, subject: string): string | undefined {
  const made = recordsOf(verbOf(s.words[index]))
    .map((noun) => knownNamed(s, noun))
    .find(Boolean)?.name;
  const referring = s.referrersOf(subject);
  return made ?? (referring.length === 1 ? referring[0] : undefined);
}

/** "at most 3 tools per member", "no more than one pickup per month": a count or a frequency limit. */
export function recogniseLimit(s: RuleSentence): Recognised | undefined {
  const bound = upperBound(s);
  if (!bound) return notTwice(s);
  // "at most 4 hours": a duration, not a number of records.
  if (unitOf(s.words[bound.after])) return undefined;
  const counted = nounAfter(s, bound.after);
  if (!counted || unitOf(s.words[counted.index])) return undefined;
  // The record the verb makes ("borrow" → Loan, "book" → Booking) when the domain has it, else what is counted.
  let verbIndex = bound.start - 1;
  while (verbIndex > 0 && auxiliaries.has(s.words[verbIndex])) verbIndex--;
  const verb = verbIndex >= 0 ? verbOf(s.words[verbIndex]) : '';
  const made = recordsOf(verb)
    .map((noun) => s.entities.find((m) => m.name.toLowerCase() === noun) ?? knownNamed(s, noun))
    .find(Boolean);
  const onRecord = s.words[counted.index + 1] === 'on' ? nounAfter(s, counted.index + 2) : undefined;
  const entity =
    made?.name ?? (onRecord && s.known.has(onRecord.name) ? onRecord.name : undefined) ?? counted.name;
  // "at most 2 open loans", and after the noun: "2 loans picked up", "2 loans that are picked up".
  const after = ['that', 'which'].includes(s.words[counted.index + 1] ?? '')
    ? counted.index + 3
    : counted.index + 1;
  const states = s.states
    .filter((m) => (m.start >= bound.after && m.start < counted.index) || m.start === after)
    .map((m) => m.name);

  // "Nobody may ..." names no one: the limit holds for whoever makes the record (below).
  const subject = /^(nobody|none)$/.test(s.words[0]) ? undefined : nounAfter(s, 0);
  const perIndex = s.words.findIndex((w, i) => i > counted.index && (w === 'per' || w === 'each'));
  const perNoun = perIndex >= 0 ? nounAfter(s, perIndex + 1) : undefined;
  let per =
    subject && subject.index < bound.start && subject.name !== counted.name ? subject.name : undefined;
  if (!per && perNoun && !unitOf(s.words[perNoun.index])) per = perNoun.name;
  // "Nobody may have more than one bike on loan": the limit holds for whoever makes the record.
  if (!per && /^(nobody|none)$/.test(s.words[0])) per = s.actorsOf(entity)[0];
  if (!per) return undefined;

  // "at a time", "at once": held together, not made in a period.
  const together = /^at (a time|once|the same time)\b/.test(s.words.slice(counted.index + 1).join(' '));
  const period = together ? undefined : periodOf(s, counted.index);
  if (period) return { entity, rule: { kind: 'frequency-limit', per, max: bound.max, period } };
  return {
    entity,
    rule: { kind: 'count-limit', per, max: bound.max, ...(states.length ? { states } : {}) },
  };
}

/** "per week", "each month", "in a single day", "a season": the calendar period of a frequency limit. */
function periodOf(s: RuleSentence, from: number) {
  for (let i = from; i < s.words.length; i++) {
    const unit = unitOf(s.words[i]);
    if (!unit) continue;
    const before = s.words.slice(Math.max(0, i - 3), i);
    if (['weekly', 'daily', 'monthly', 'yearly', 'annually'].includes(s.words[i])) return unit;
    if (before.some((w) => ['per', 'each', 'every', 'a', 'single', 'one'].includes(w))) return unit;
  }
  return undefined;
}

function knownNamed(s: RuleSentence, noun: string) {
  const name = [...s.known].find((k) => k.toLowerCase() === noun);
  return name ? { name } : undefined;
}

/** "needs at least two reviews before it can be merged": the action waits for related records. */
export function recognisePrerequisite(s: RuleSentence): Recognised | undefined {
  const at = s.words.findIndex((w, i) => w === 'at' && s.words[i + 1] === 'least');
  const by = s.words.findIndex((w, i) => w === 'by' && numberOf(s.words[i + 1]) !== undefined && i > 0);
  const before = s.words.findIndex((w) => w === 'before' || w === 'once');
  if (before < 0) return undefined;
  let min: number | undefined;
  let related: { name: string; index: number } | undefined;
  if (at >= 0) {
    min = numberOf(s.words[at + 2]);
    related = nounAfter(s, at + 3);
  } else if (by >= 0) {
    min = numberOf(s.words[by + 1]);
    related = nounAfter(s, by + 2);
  }
  if (min === undefined || !related || unitOf(s.words[related.index])) return undefined;
  const subject = nounAfter(s, 0);
  if (!subject) return undefined;
  const action = actionAfter(s, before + 1) ?? actionBefore(s, before);
  if (!action) return undefined;
  return { entity: subject.name, rule: { kind: 'prerequisite', action, related: related.name, min } };
}

const linking = new Set([
  'it',
  'they',
  'is',
  'are',
  'be',
  'can',
  'may',
  'has',
  'have',
  'been',
  'being',
  'the',
  'a',
  'an',
  'its',
]);

/** The verb after a conjunction: "before it can be merged" → merge, "before approval" → approve. */
export function actionAfter(s: RuleSentence, from: number): string | undefined {
  for (let i = from; i < s.words.length; i++) {
    if (linking.has(s.words[i])) continue;
    const entity = s.entities.find((m) => m.start === i);
    if (entity) continue;
    return verbOf(s.words[i]);
  }
  return undefined;
}

/** "A winner can only be announced once ...": the participle before the conjunction. */
function actionBefore(s: RuleSentence, index: number): string | undefined {
  const word = s.words[index - 1];
  return word && isParticiple(word) ? verbOf(word) : undefined;
}
