import type { TimeUnit } from '../../../../toolchain/schemas/typedRule';
import type { Persona, VisionAction, VisionEntity } from '../../../../toolchain/schemas/vision';
import { entityNameOf, infinitive, singular } from '../../../../toolchain/vision/language';

/**
 * One sentence prepared for rule typing: its words, and where it names the domain's entities, roles, attributes
 * and lifecycle states. The recognisers (one file per family of rule kinds) read patterns over these words.
 */
export interface Mention {
  /** Entity or role name (PascalCase); for attributes `Entity.attribute`. */
  name: string;
  start: number;
  end: number;
}

export interface RuleSentence {
  text: string;
  /** Lower-case words, punctuation dropped, possessive `'s` kept as its own word. */
  words: string[];
  entities: Mention[];
  roles: Mention[];
  attributes: Mention[];
  /** State names (snake_case) of any entity the sentence names, with where. */
  states: Mention[];
  /** The entity names the vision's analysis knows (to tell a known subject from a guessed one). */
  known: Set<string>;
  entityOf: (name: string) => VisionEntity | undefined;
  /** The entities that refer to the named one (an appointment refers to its slot). */
  referrersOf: (name: string) => string[];
  /** The roles that act on the named entity, in the order the vision names them. */
  actorsOf: (name: string) => string[];
}

const numberWords: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  single: 1,
  once: 1,
  two: 2,
  twice: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
};

/** The number a word states ("3", "three", "a"), if any. */
export function numberOf(word: string | undefined): number | undefined {
  if (word === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(word)) return Number(word);
  return numberWords[word];
}

const unitWords: Record<string, TimeUnit> = {
  minute: 'minute',
  hour: 'hour',
  day: 'day',
  night: 'day',
  week: 'week',
  month: 'month',
  season: 'season',
  year: 'year',
  weekly: 'week',
  daily: 'day',
  monthly: 'month',
  yearly: 'year',
  annually: 'year',
};

export function unitOf(word: string | undefined): TimeUnit | undefined {
  return word === undefined ? undefined : (unitWords[singular(word)] ?? unitWords[word]);
}

/** Past participles that do not end in -ed or -en ("paid invoices", "a sold ticket"). */
const irregularParticiples = new Set([
  'paid',
  'sold',
  'held',
  'sent',
  'built',
  'done',
  'made',
  'lost',
  'kept',
  'left',
  'spent',
  'bought',
  'brought',
  'caught',
  'taught',
  'lent',
]);

/** A word that is a past participle ("reserved", "frozen", "paid"). */
export function isParticiple(word: string): boolean {
  return /(ed|en)$/.test(word) || irregularParticiples.has(word);
}

/** The base form of a verb as written ("reserved", "cancelled", "shipping"). */
export function verbOf(word: string): string {
  const irregular: Record<string, string> = {
    cancelled: 'cancel',
    cancelling: 'cancel',
    canceled: 'cancel',
    enrolled: 'enrol',
    shipping: 'ship',
    shipped: 'ship',
    made: 'make',
    held: 'hold',
    approval: 'approve',
    paid: 'pay',
    sold: 'sell',
    sent: 'send',
    lent: 'lend',
    kept: 'keep',
    submission: 'submit',
  };
  if (irregular[word]) return irregular[word];
  return infinitive(word).replace(/\s+/g, '-');
}

export function wordsOf(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[’']s\b/g, " 's")
    .replace(/%/g, ' percent')
    .replace(/[^a-z0-9.' -]+/g, ' ')
    .replace(/(\D)\.|\.(\D|$)/g, '$1 $2')
    .split(/[\s-]+/)
    .filter(Boolean);
}

interface Term {
  name: string;
  words: string[];
}

/**
 * Longest terms first, matched with the last word singular ("charging sessions" → ChargingSession). When terms of
 * the same length match at one place, `rank` picks among them (lowest first; the first listed by default).
 */
function findTerms(
  words: string[],
  terms: Term[],
  rank: (term: Term, at: number) => number = () => 0,
): Mention[] {
  const sorted = [...terms].sort((a, b) => b.words.length - a.words.length);
  const found: Mention[] = [];
  for (let i = 0; i < words.length; i++) {
    const matching = sorted.filter((term) => {
      const n = term.words.length;
      if (i + n > words.length) return false;
      const slice = words.slice(i, i + n);
      slice[n - 1] = singular(slice[n - 1]);
      return slice.every((w, k) => w === (k === n - 1 ? singular(term.words[k]) : term.words[k]));
    });
    if (matching.length === 0) continue;
    const longest = matching.filter((term) => term.words.length === matching[0].words.length);
    const best = longest.reduce((a, b) => (rank(b, i) < rank(a, i) ? b : a));
    found.push({ name: best.name, start: i, end: i + best.words.length });
    i += best.words.length - 1;
  }
  return found;
}

const splitCamel = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(' ');

/** Prepares a sentence against the analysed domain. */
export function prepareSentence(
  text: string,
  entities: VisionEntity[],
  personas: Persona[],
  actions: VisionAction[] = [],
): RuleSentence {
  const words = wordsOf(text);
  const byName = new Map(entities.map((e) => [e.name, e]));
  const entityTerms = entities.map((e) => ({ name: e.name, words: splitCamel(e.name) }));
  // The head alone names a compound entity when no other entity shares it ("applications": GrantApplication).
  for (const e of entities) {
    const words = splitCamel(e.name);
    const head = words[words.length - 1];
    const sharing = entities.filter((o) => splitCamel(o.name).pop() === head);
    if (words.length > 1 && sharing.length === 1) entityTerms.push({ name: e.name, words: [head] });
  }
  const roleTerms = personas.map((p) => ({ name: p.name, words: splitCamel(p.name) }));
  const attributeTerms: Array<Term & { short?: boolean }> = [];
  const stateTerms: Term[] = [];
  for (const e of entities) {
    for (const a of e.attributes) {
      const full = splitCamel(a.name);
      attributeTerms.push({ name: `${e.name}.${a.name}`, words: full });
      // "the rent" for monthlyRent, "the start" for startTime: the last or first word alone.
      if (full.length > 1) {
        attributeTerms.push({ name: `${e.name}.${a.name}`, words: [full[full.length - 1]], short: true });
        if (['start', 'end', 'due', 'expiry', 'closing'].includes(full[0]))
          attributeTerms.push({ name: `${e.name}.${a.name}`, words: [full[0]], short: true });
      }
    }
    for (const s of e.states ?? []) stateTerms.push({ name: s, words: s.split('_') });
  }
  const entityMentions = findTerms(words, entityTerms);
  // "room names": the attribute of the entity named just before it, then of one the sentence names, then a
  // whole attribute name rather than its last word (Room.name before Employee.fullName).
  const rankAttribute = (term: Term & { short?: boolean }, at: number) => {
    const owner = term.name.split('.')[0];
    if (entityMentions.some((m) => m.end === at && m.name === owner)) return 0;
    if (entityMentions.some((m) => m.name === owner)) return 1;
    return term.short ? 3 : 2;
  };
  return {
    text,
    words,
    entities: entityMentions,
    roles: findTerms(words, roleTerms),
    // "the product's stock": a word followed by 's owns what follows; it is not an attribute there.
    attributes: findTerms(words, attributeTerms, rankAttribute).filter((m) => words[m.end] !== "'s"),
    states: findTerms(words, stateTerms),
    known: new Set(byName.keys()),
    entityOf: (name) => byName.get(name),
    referrersOf: (name) => entities.filter((e) => e.references.includes(name)).map((e) => e.name),
    actorsOf: (name) => [...new Set(actions.filter((a) => a.entity === name).map((a) => a.actor))],
  };
}

/** The entity a noun at `index` names: a known entity there, else the noun itself as a name. */
export function nounAt(sentence: RuleSentence, index: number): string | undefined {
  const known = [...sentence.entities, ...sentence.roles].find((m) => m.start <= index && index < m.end);
  if (known) return known.name;
  const word = sentence.words[index];
  if (!word || numberOf(word) !== undefined || stopWords.has(word)) return undefined;
  return entityNameOf(singular(word)) || undefined;
}

/** The first noun at or after `from`, skipping determiners, numbers and adjectives of state and time. */
export function nounAfter(sentence: RuleSentence, from: number): { name: string; index: number } | undefined {
  for (let i = from; i < Math.min(sentence.words.length, from + 6); i++) {
    const known = [...sentence.entities, ...sentence.roles].find((m) => m.start === i);
    if (known) return { name: known.name, index: known.end - 1 };
    const word = sentence.words[i];
    if (skippable.has(word) || numberOf(word) !== undefined || sentence.states.some((s) => s.start === i))
      continue;
    // A modifier before a known noun ("studio sessions"): the known noun.
    const head = [...sentence.entities, ...sentence.roles].find((m) => m.start === i + 1);
    if (head) return { name: head.name, index: head.end - 1 };
    // An unknown compound ("court bookings"): the head is the last noun before a preposition or verb.
    let end = i;
    while (end + 1 < sentence.words.length && !boundaryWords.has(sentence.words[end + 1]) && end - i < 2)
      end++;
    const phrase = sentence.words.slice(i, end + 1);
    phrase[phrase.length - 1] = singular(phrase[phrase.length - 1]);
    const name = entityNameOf(phrase.join(' '));
    return name ? { name, index: end } : undefined;
  }
  return undefined;
}

/** An attribute name as a rule writes it: `Entity.attribute` unless it is the rule's own entity's. */
export function attributeFor(qualified: string, entity: string): string {
  const [owner, attribute] = qualified.split('.');
  return owner === entity ? attribute : qualified;
}

export function ownerOf(qualified: string): string {
  return qualified.split('.')[0];
}

const stopWords = new Set([
  'a',
  'an',
  'the',
  'its',
  'their',
  'his',
  'her',
  'it',
  'they',
  'each',
  'every',
  'any',
  'no',
  'all',
  'same',
  "'s",
]);

const skippable = new Set([
  ...stopWords,
  'open',
  'upcoming',
  'active',
  'current',
  'pending',
  'new',
  'more',
  'than',
  'of',
  'other',
  'own',
]);

const boundaryWords = new Set([
  'cannot',
  "can't",
  'not',
  'never',
  'should',
  'will',
  'need',
  'needs',
  'has',
  'have',
  'be',
  'only',
  'must',
  'may',
  'on',
  'in',
  'at',
  'per',
  'for',
  'of',
  'to',
  'from',
  'with',
  'by',
  'is',
  'are',
  'can',
  'may',
  'must',
  'at',
  'each',
  'every',
  'a',
  'the',
  'and',
  'or',
  'that',
  'while',
  'before',
  'after',
  'until',
  'once',
  "'s",
]);
