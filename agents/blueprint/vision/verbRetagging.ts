import { infinitive, pastTense, singular } from '../../../toolchain/vision/language';
import { isDomainVerb, timeUnits } from './vocabulary';

/**
 * Compromise reads a known domain verb as a noun when it stands between two nouns ("librarians catalogue
 * books", "the committee allocates plots"), which glues subject, verb and object into one noun phrase. These
 * corrections look at the words around one occurrence, so the same word stays a noun elsewhere ("a transfer
 * records the copy").
 */

/** The tags of one word of a sentence, as the parser reads them. */
export interface TaggedWord {
  lower: string;
  tags: Set<string>;
  post: string;
}

const verbTags = () => new Set(['Verb', 'PresentTense']);
const isNounWord = (t: TaggedWord | undefined) =>
  !!t && t.tags.has('Noun') && !t.tags.has('Pronoun') && !t.tags.has('Value') && !t.tags.has('Date');
const startsObject = (t: TaggedWord | undefined) =>
  !!t && (isNounWord(t) || t.tags.has('Determiner') || t.tags.has('Possessive') || t.tags.has('Adjective'));
/** Plural by its tag or its ending: the correction lexicon tags a capitalised opener as a modifier ("Judges"). */
const isPlural = (t: TaggedWord) =>
  t.tags.has('Plural') || (/[^s]s$/.test(t.lower) && singular(t.lower) !== t.lower);
const breaks = (t: TaggedWord | undefined) => !t || /[,;:]/.test(t.post);

export function retagVerbs(words: TaggedWord[]): void {
  words.forEach((t, i) => {
    const prev = words[i - 1];
    const before = words[i - 2];
    const next = words[i + 1];
    if (!isNounWord(t) || !prev || breaks(prev)) return;
    const clauseStart = !before || breaks(before) || before.tags.has('Determiner') || before.lower === 'and';
    // "Librarians catalogue books": English compounds take a singular modifier, so a plural noun followed by
    // a verb's base form and its object is a subject and its verb.
    const baseAfterPlural =
      isPlural(prev) &&
      !t.tags.has('Plural') &&
      isNounWord(prev) &&
      clauseStart &&
      isDomainVerb(t.lower) &&
      startsObject(next);
    // "the committee allocates plots": a singular subject takes the verb's -s form.
    const thirdPerson =
      prev.tags.has('Singular') &&
      isNounWord(prev) &&
      /[^s]s$/.test(t.lower) &&
      clauseStart &&
      // An unknown verb too when a plural object follows: "the caretaker triages requests".
      ((isDomainVerb(infinitive(t.lower)) &&
        (startsObject(next) || next?.tags.has('Preposition') === true)) ||
        (next?.tags.has('Plural') === true && isNounWord(next) && !breaks(t)));
    // "… and transfer copies between branches": a base form after "and"/"to" takes an object.
    // Compromise may read the pair the other way round ("transfer" a noun, "copies" its verb).
    const swapped = next?.tags.has('Verb') === true && /[^s]s$/.test(next.lower) && !isNounWord(next);
    const afterLink =
      ['and', 'to'].includes(prev.lower) &&
      !t.tags.has('Plural') &&
      isDomainVerb(t.lower) &&
      (next?.tags.has('Plural') === true || next?.tags.has('Determiner') === true || swapped) &&
      !breaks(t);
    if (baseAfterPlural || thirdPerson || afterLink) t.tags = verbTags();
    if (afterLink && swapped) next.tags = new Set(['Noun', 'Plural']);
  });
  // "with species, breed, age and any medication": a word between the commas of a list of nouns is a noun.
  words.forEach((t, i) => {
    const prev = words[i - 1];
    const next = words[i + 1];
    const listGoesOn = /,/.test(t.post) || ['and', 'or'].includes(next?.lower ?? '');
    if (
      t.tags.has('Verb') &&
      !t.tags.has('Auxiliary') &&
      isNounWord(prev) &&
      /,/.test(prev.post) &&
      listGoesOn
    )
      t.tags = new Set(['Noun', 'Singular']);
  });
  words.forEach((t, i) => {
    const prev = words[i - 1];
    const before = words[i - 2];
    // "one review per booking": after "per" an -ing form is a noun.
    if (prev?.lower === 'per' && /ing$/.test(t.lower) && t.tags.has('Verb'))
      t.tags = new Set(['Noun', 'Singular']);
    // "keep track of work days": one verb, whose object follows "of".
    if (
      t.lower === 'track' &&
      /^(keep|keeps|kept|keeping)$/.test(prev?.lower ?? '') &&
      words[i + 1]?.lower === 'of'
    )
      t.tags = new Set(['Verb', 'Particle']);
    // "a best-before date": after a determiner and a modifier comes the noun.
    else if (
      t.tags.has('Verb') &&
      prev?.tags.has('Adjective') &&
      before?.tags.has('Determiner') &&
      !breaks(prev) &&
      !breaks(before)
    )
      t.tags = new Set(['Noun', 'Singular']);
  });
  // "work days": a unit of time after a noun is the head of a compound, not a date.
  words.forEach((t, i) => {
    const prev = words[i - 1];
    if (t.tags.has('Date') && timeUnits.has(singular(t.lower)) && isNounWord(prev) && !breaks(prev))
      t.tags = new Set(['Noun', t.lower === singular(t.lower) ? 'Singular' : 'Plural']);
  });
  // "Households are registered", "the permit is withdrawn": compromise tags some participles after a copula
  // as adjectives.
  words.forEach((t, i) => {
    const prev = words[i - 1];
    if (prev?.tags.has('Copula') && t.tags.has('Adjective') && isParticiple(t.lower) && !breaks(prev))
      t.tags = new Set(['Verb', 'PastTense', 'Passive']);
  });
  words.forEach((t, i) => {
    const prev = words[i - 1];
    const [conjunction, second, noun] = [words[i + 1], words[i + 2], words[i + 3]];
    // "one or more artworks": after a count, a plural is the thing counted.
    if (
      t.tags.has('Verb') &&
      prev &&
      (prev.tags.has('Value') || quantifiers.has(prev.lower)) &&
      !breaks(prev) &&
      isPlural(t)
    )
      t.tags = new Set(['Noun', 'Plural']);
    // "the exhibition's opening and closing dates": two -ing forms joined before a noun describe it.
    if (
      isGerund(t) &&
      ['and', 'or'].includes(conjunction?.lower ?? '') &&
      second &&
      isGerund(second) &&
      isNounWord(noun) &&
      !breaks(t) &&
      !breaks(second)
    ) {
      t.tags = new Set(['Adjective']);
      second.tags = new Set(['Adjective']);
    }
  });
}

/** Words that count what follows them. */
const quantifiers = new Set(['more', 'several', 'many', 'few', 'fewer', 'both']);

const isGerund = (t: TaggedWord) => t.tags.has('Verb') && /ing$/.test(t.lower);

/** A past participle: regular ("registered") or irregular ("withdrawn", "lent"), never an adjective ("due"). */
function isParticiple(word: string): boolean {
  if (/ed$/.test(word)) return true;
  const base = infinitive(word);
  return base !== word && pastTense(base) === word;
}
