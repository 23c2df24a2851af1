import { infinitive, nlp, singular } from '../../../toolchain/vision/language';
import { retagVerbs } from './verbRetagging';

/**
 * Sentence parsing on compromise's part-of-speech tags: tokens are grouped into noun phrases and verb groups,
 * and each verb group gets a subject and objects. This is a shallow parser, good enough for the plain
 * declarative sentences visions are written in ("coordinators publish shifts for each site").
 */

export interface Token {
  text: string;
  lower: string;
  tags: Set<string>;
  pre: string;
  post: string;
}

export interface NounPhrase {
  kind: 'np';
  /** Nouns only, lower case, as written (`repair jobs`). */
  phrase: string;
  head: string;
  /** Adjectives and other modifiers before it (`due` in `due date`). */
  modifiers: string[];
  determiner: string;
  /** Text in parentheses right after it (`new, good, worn`). */
  parenthetical?: string;
  /** Punctuation right after the phrase (`,` breaks coordination). */
  post: string;
  /** The preposition right before it, if any. */
  preposition?: string;
  possessive: boolean;
  /** Ends in a possessive ("the plot's", "contractors'"): it owns the noun phrase that follows. */
  possessor: boolean;
  /** Preceded by a number ("2 euros"): a quantity, not a thing. */
  quantified: boolean;
  /** Preceded by a spelled-out count above one ("its three pontoons"): the text counts a set of things. */
  counted: boolean;
  /** Two or more capitalised words ("the Riverside Veterinary Clinic"): the name of one place or body. */
  proper: boolean;
  index: number;
}

export interface VerbGroup {
  kind: 'vp';
  /** Base form of the main verb, with its particle (`sign up`). */
  verb: string;
  text: string;
  negated: boolean;
  passive: boolean;
  modal: string;
  /** A bare past participle after a noun (`bikes brought in by customers`): a description, not an action. */
  reducedRelative: boolean;
  post: string;
  index: number;
}

export interface Word {
  kind: 'word';
  lower: string;
  tags: Set<string>;
  post: string;
  index: number;
}

export type Chunk = NounPhrase | VerbGroup | Word;

export interface Clause {
  verb: VerbGroup;
  subject?: NounPhrase;
  /** The subject came through `that`/`which`: a thing, not a person. */
  relativeSubject: boolean;
  objects: NounPhrase[];
  /** `<preposition> <noun phrase>` complements after the objects (`for each site`, `with tasks and parts`). */
  complements: Array<{ preposition: string; phrase: NounPhrase }>;
}

export interface ParsedSentence {
  text: string;
  chunks: Chunk[];
  clauses: Clause[];
  nounPhrases: NounPhrase[];
}

const punctuation = /[,;:()]/;
/** A verb as actions are named by: words of letters (`reserve`, `sign up`, `double-book`). */
const verbWords = /^[a-z]+(?:[ -][a-z]+)*$/;

interface RawTerm {
  text: string;
  normal: string;
  pre: string;
  post: string;
  tags: string[];
}

function termsOf(text: string, lexicon: Record<string, string>): RawTerm[][] {
  const doc = nlp(text, lexicon);
  return (doc.json({ terms: { tags: true } }) as Array<{ terms: RawTerm[] }>).map((s) => s.terms);
}

/**
 * Compromise tags some plural nouns as present-tense verbs ("volunteers", "batches") when it lacks context.
 * A word is re-tagged as a plural noun when its position says so: after a determiner, preposition or
 * adjective; at the start of a clause before another verb; or when its singular is used as a noun elsewhere.
 */
export function correctionLexicon(text: string): Record<string, string> {
  const sentences = termsOf(text, {});
  const nounWords = new Set<string>();
  for (const terms of sentences) for (const t of terms) if (t.tags.includes('Noun')) nounWords.add(t.normal);
  const lexicon: Record<string, string> = {};
  for (const terms of sentences) {
    terms.forEach((t, i) => {
      if (
        !t.tags.includes('Verb') ||
        t.tags.includes('Noun') ||
        !/[^s]s$/.test(t.normal) ||
        t.normal.length < 4
      )
        return;
      const prev = terms[i - 1];
      const next = terms[i + 1];
      const has = (term: RawTerm | undefined, tag: string) => !!term && term.tags.includes(tag);
      const clauseStart = !prev || /[,;:]/.test(prev.post);
      const nextIsVerb = has(next, 'Verb') && !has(next, 'Noun');
      let noun = false;
      if (
        prev &&
        ['Determiner', 'Preposition', 'Adjective', 'Possessive', 'Value'].some((tag) => has(prev, tag))
      )
        noun = true;
      else if (clauseStart && nextIsVerb) noun = true;
      // "lets neighbours lend": between a causative and a verb stands the one who acts.
      else if (has(prev, 'Auxiliary') && nextIsVerb) noun = true;
      else if (
        has(prev, 'Noun') &&
        next &&
        ['Noun', 'Determiner', 'Possessive', 'Adjective'].some((tag) => has(next, tag)) &&
        !/[,;:]/.test(prev.post)
      )
        noun = false;
      else if (nounWords.has(singular(t.normal)) || nounWords.has(t.normal))
        noun = !nextIsVerb || clauseStart;
      if (noun) lexicon[t.normal] = 'Plural';
    });
    // "Members browse the catalogue": a singular noun between a plural subject and a determiner is the verb.
    terms.forEach((t, i) => {
      const prev = terms[i - 1];
      const next = terms[i + 1];
      if (
        prev &&
        next &&
        prev.tags.includes('Plural') &&
        t.tags.includes('Noun') &&
        !t.tags.includes('Plural') &&
        !/[,;:]/.test(prev.post) &&
        (next.tags.includes('Determiner') || next.tags.includes('Possessive')) &&
        (i === 1 || /[,;:]/.test(terms[i - 2]?.post ?? ''))
      )
        lexicon[t.normal] = 'Verb';
    });
    // "leave a rating": an -ing form after a determiner or adjective is a noun.
    terms.forEach((t, i) => {
      const prev = terms[i - 1];
      if (
        prev &&
        /ing$/.test(t.normal) &&
        t.tags.includes('Verb') &&
        (prev.tags.includes('Determiner') || prev.tags.includes('Adjective')) &&
        !/[,;:]/.test(prev.post)
      )
        lexicon[t.normal] = 'Singular';
      // "2 upcoming appointments": after a number it describes the noun that follows.
      else if (prev && /ing$/.test(t.normal) && t.tags.includes('Verb') && prev.tags.includes('Value'))
        lexicon[t.normal] = 'Adjective';
    });
    // A capitalised sentence opener tagged as a verb and followed by nouns is a noun modifier ("Bike repair shops").
    const [first, second, third] = terms;
    if (
      first &&
      second &&
      third &&
      first.tags.includes('Verb') &&
      !first.tags.includes('Noun') &&
      second.tags.includes('Noun') &&
      (third.tags.includes('Noun') || third.tags.includes('Verb')) &&
      !/[,;:]/.test(first.post)
    )
      lexicon[first.normal] = 'Singular';
  }
  return lexicon;
}

function toTokens(terms: RawTerm[], lexicon: Record<string, string>): Token[] {
  // Compromise's later passes can override a lexicon entry from context; the correction wins here.
  return terms.map((t) => {
    const lower = t.normal || t.text.toLowerCase();
    const forced = lexicon[lower];
    const tags =
      forced === 'Adjective'
        ? new Set(['Adjective'])
        : forced === 'Verb'
          ? new Set(['Verb', 'PresentTense', 'Infinitive'])
          : forced
            ? new Set(['Noun', forced])
            : new Set(t.tags);
    return { text: t.text, lower, tags, pre: t.pre, post: t.post };
  });
}

/** "a best-before date": words joined by hyphens are one modifier of the noun after them. */
function joinHyphenated(tokens: Token[]): Token[] {
  const joined: Token[] = [];
  for (const t of tokens) {
    const last = joined[joined.length - 1];
    if (last && last.post === '-' && t.pre === '') {
      last.text += `-${t.text}`;
      last.lower += `-${t.lower}`;
      last.post = t.post;
      last.tags = new Set(['Adjective']);
    } else joined.push({ ...t });
  }
  return joined;
}

const isNoun = (t: Token) =>
  t.tags.has('Noun') && !t.tags.has('Pronoun') && !t.tags.has('Value') && !t.tags.has('Date');
const isVerb = (t: Token) => t.tags.has('Verb') && !isNoun(t);
const possessivePronouns = new Set(['my', 'your', 'his', 'her', 'its', 'our', 'their']);
const isPossessor = (t: Token) =>
  !possessivePronouns.has(t.lower) &&
  (/'s?$/.test(t.lower) || /s'$/.test(t.text) || (t.tags.has('Possessive') && !t.tags.has('Pronoun')));

/** The preposition governing the next noun, past a count between them ("at one of our two points"). */
function prepositionBefore(chunks: Chunk[]): string | undefined {
  const isCount = (c: Chunk | undefined) => c?.kind === 'word' && c.tags.has('Value');
  const isOfAfterCount = (k: number) => {
    const c = chunks[k];
    return c?.kind === 'word' && c.lower === 'of' && isCount(chunks[k - 1]);
  };
  let k = chunks.length - 1;
  while (isCount(chunks[k]) || isOfAfterCount(k)) k--;
  const c = chunks[k];
  return c?.kind === 'word' && c.tags.has('Preposition') ? c.lower : undefined;
}

function chunk(tokens: Token[]): Chunk[] {
  const chunks: Chunk[] = [];
  let i = 0;
  let determiner = '';
  let modifiers: string[] = [];
  let possessive = false;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.tags.has('Determiner')) {
      determiner = t.lower;
      i++;
      continue;
    }
    if (t.tags.has('Possessive') && (t.tags.has('Pronoun') || possessivePronouns.has(t.lower))) {
      possessive = true;
      i++;
      continue;
    }
    if (
      t.tags.has('Adjective') &&
      !isNoun(t) &&
      i + 1 < tokens.length &&
      isNoun(tokens[i + 1]) &&
      !punctuation.test(t.post)
    ) {
      modifiers.push(t.lower);
      i++;
      continue;
    }
    // "opening and closing dates": modifiers joined by "and"/"or" describe the same noun.
    const [conjunction, second] = [tokens[i + 1], tokens[i + 2]];
    if (
      t.tags.has('Adjective') &&
      !isNoun(t) &&
      ['and', 'or'].includes(conjunction?.lower ?? '') &&
      second?.tags.has('Adjective') &&
      tokens[i + 3] &&
      isNoun(tokens[i + 3]) &&
      !punctuation.test(t.post)
    ) {
      modifiers.push(t.lower, conjunction.lower);
      i += 2;
      continue;
    }
    if (isNoun(t)) {
      const words: string[] = [];
      const written: string[] = [];
      let j = i;
      while (j < tokens.length && isNoun(tokens[j])) {
        words.push(tokens[j].lower.replace(/'s?$/, ''));
        written.push(tokens[j].text);
        if (punctuation.test(tokens[j].post) || isPossessor(tokens[j])) {
          j++;
          break;
        }
        j++;
      }
      const last = tokens[j - 1];
      const possessor = isPossessor(last);
      let parenthetical: string | undefined;
      let post = last.post;
      // Compromise puts "(" in the next term's `pre`: "a condition (new, good, worn)".
      if (last.post.includes('(') || tokens[j]?.pre.includes('(')) {
        const inner: string[] = [];
        let k = j;
        while (k < tokens.length) {
          inner.push(tokens[k].text);
          if (tokens[k].post.includes(')')) break;
          if (tokens[k].post.includes(',')) inner.push(',');
          k++;
        }
        parenthetical = inner.join(' ').replace(/\s+,/g, ',').replace(/\s+/g, ' ').trim();
        post = k < tokens.length ? tokens[k].post.replace(')', '') : '';
        j = k + 1;
      }
      const prevChunk = chunks[chunks.length - 1];
      chunks.push({
        kind: 'np',
        phrase: words.join(' '),
        head: words[words.length - 1],
        modifiers,
        determiner,
        parenthetical,
        post,
        preposition: prepositionBefore(chunks),
        possessive,
        possessor,
        // A spelled-out count ("one offer", "two warnings") counts things; digits measure ("2 euros").
        quantified:
          !!prevChunk &&
          prevChunk.kind === 'word' &&
          prevChunk.tags.has('Value') &&
          !/^[a-z]+$/.test(prevChunk.lower),
        counted:
          !!prevChunk &&
          prevChunk.kind === 'word' &&
          prevChunk.tags.has('Value') &&
          /^[a-z]+$/.test(prevChunk.lower) &&
          prevChunk.lower !== 'one',
        proper: written.length >= 2 && written.every((w) => /^[A-Z][a-z]/.test(w)),
        index: chunks.length,
      });
      determiner = '';
      modifiers = [];
      possessive = false;
      i = j;
      continue;
    }
    if (isVerb(t)) {
      const group: Token[] = [];
      let j = i;
      while (
        j < tokens.length &&
        (isVerb(tokens[j]) ||
          (tokens[j].tags.has('Adverb') && j + 1 < tokens.length && isVerb(tokens[j + 1])) ||
          tokens[j].lower === 'not')
      ) {
        group.push(tokens[j]);
        if (punctuation.test(tokens[j].post)) {
          j++;
          break;
        }
        j++;
      }
      const mains = group.filter(
        (g) =>
          !g.tags.has('Auxiliary') &&
          !g.tags.has('Modal') &&
          !g.tags.has('Particle') &&
          !g.tags.has('Adverb') &&
          g.lower !== 'not',
      );
      const main = mains[mains.length - 1] ?? group[group.length - 1];
      const particle = group.find((g) => g.tags.has('Particle'));
      const base = infinitive(main.lower);
      const verb = particle && particle !== main ? `${base} ${particle.lower}` : base;
      // Code in a vision ("JSON.stringify(x)", "FACTORY_HOME") gets verb tags too; only words name an action,
      // so anything else is read as a plain word.
      if (verbWords.test(verb)) {
        const hasCopula = group.some((g) => g.tags.has('Copula') || g.tags.has('Auxiliary'));
        const prevChunk = chunks[chunks.length - 1];
        const lastVerb = [...chunks].reverse().find((ch): ch is VerbGroup => ch.kind === 'vp');
        // "are packed on Thursday and collected on Friday": a bare participle after "and" is passive too.
        const sharesPassive =
          !hasCopula &&
          group.length === 1 &&
          main.tags.has('PastTense') &&
          prevChunk?.kind === 'word' &&
          ['and', 'or'].includes(prevChunk.lower) &&
          !!lastVerb?.passive;
        chunks.push({
          kind: 'vp',
          verb,
          text: group.map((g) => g.text).join(' '),
          negated: group.some(
            (g) => g.lower === 'not' || /n't$/.test(g.lower) || g.lower === 'cannot' || g.lower === 'never',
          ),
          passive: (hasCopula && main.tags.has('PastTense') && main !== group[0]) || sharesPassive,
          modal: group
            .filter((g) => g.tags.has('Modal') || g.tags.has('Auxiliary'))
            .map((g) => g.lower)
            .join(' '),
          reducedRelative:
            !hasCopula &&
            group.length <= 2 &&
            main.tags.has('PastTense') &&
            !!prevChunk &&
            prevChunk.kind === 'np' &&
            !punctuation.test(prevChunk.post),
          post: group[group.length - 1].post,
          index: chunks.length,
        });
        i = j;
        continue;
      }
    }
    chunks.push({ kind: 'word', lower: t.lower, tags: t.tags, post: t.post, index: chunks.length });
    determiner = '';
    modifiers = [];
    possessive = false;
    i++;
  }
  return chunks;
}

/** The possessor right before a noun phrase ("to the tenant's apartment"), if any. */
function ownerBefore(chunks: Chunk[], at: number): NounPhrase | undefined {
  const before = chunks[at - 1];
  return before?.kind === 'np' && before.possessor ? before : undefined;
}

/**
 * "Every copy of a book belongs to …", "the next member in the queue is notified": the subject is the noun
 * phrase the prepositional phrases before the verb describe.
 */
function headBeforeModifiers(chunks: Chunk[], at: number): NounPhrase | undefined {
  let k = at;
  while (k >= 2) {
    const np = chunks[k];
    const word = chunks[k - 1];
    if (np.kind !== 'np' || !np.preposition || punctuation.test(np.post)) return undefined;
    if (word.kind !== 'word' || !word.tags.has('Preposition') || punctuation.test(word.post))
      return undefined;
    k -= 2;
    const candidate = chunks[k];
    if (candidate.kind === 'np' && !candidate.preposition && !punctuation.test(candidate.post))
      return candidate;
  }
  return undefined;
}

function clauses(chunks: Chunk[]): Clause[] {
  const result: Clause[] = [];
  let lastSubject: NounPhrase | undefined;
  let lastRelative = false;
  let controller: NounPhrase | undefined;
  let lastObject: NounPhrase | undefined;
  // "A reservation that is returned late carries a fee": a noun phrase that opens the sentence (or a part after a
  // semicolon) and is described by a relative clause is the subject of the main verb that follows the clause.
  let antecedent: NounPhrase | undefined;
  for (const c of chunks) {
    if (c.kind !== 'vp') continue;
    // Adverbs in front of a verb ("who repeatedly return") do not change its subject.
    let back = c.index - 1;
    while (back >= 0 && chunks[back].kind === 'word' && (chunks[back] as Word).tags.has('Adverb')) back--;
    const prev = chunks[back];
    const before = chunks[back - 1];
    let subject: NounPhrase | undefined;
    let relative = false;
    const head = headBeforeModifiers(chunks, back);
    const previous = result[result.length - 1];
    if (
      c.passive &&
      prev?.kind === 'word' &&
      ['and', 'or'].includes(prev.lower) &&
      previous?.verb.passive &&
      !c.modal
    )
      subject = previous.subject;
    else if (prev && prev.kind === 'word' && prev.lower === 'to' && controller) subject = controller;
    else if (prev && prev.kind === 'np' && !prev.preposition && !punctuation.test(prev.post)) subject = prev;
    else if (head) subject = head;
    else if (prev && prev.kind === 'np' && !prev.preposition && punctuation.test(prev.post) && !lastSubject)
      subject = prev;
    else if (
      prev &&
      prev.kind === 'word' &&
      ['who', 'that', 'which'].includes(prev.lower) &&
      before &&
      before.kind === 'np'
    ) {
      subject = before;
      relative = prev.lower !== 'who';
      const lead = chunks[before.index - 1];
      if (!lead || /;/.test(lead.post)) antecedent = before;
    } else if (
      antecedent &&
      prev &&
      !(prev.kind === 'word' && ['and', 'or', 'to'].includes(prev.lower)) &&
      previous?.relativeSubject !== false
    ) {
      subject = antecedent;
      antecedent = undefined;
    } else if (
      prev &&
      prev.kind === 'word' &&
      prev.tags.has('Pronoun') &&
      !['who', 'that', 'which'].includes(prev.lower)
    ) {
      // "when they arrive": a pronoun subject is left unresolved rather than guessed.
      subject = undefined;
    } else if (lastSubject) {
      subject = lastSubject;
      relative = lastRelative;
    }
    // Descriptions ("bikes brought in by customers") and passives do not change who is acting.
    // "which varieties sell out": an indirect question names a thing, not someone acting.
    if (subject && ['which', 'what', 'whose'].includes(subject.determiner)) relative = true;
    if (subject && !c.reducedRelative && !c.passive) {
      lastSubject = subject;
      lastRelative = relative;
      if (!relative) controller = subject;
    }
    const objects: NounPhrase[] = [];
    const complements: Clause['complements'] = [];
    let k = c.index + 1;
    // Direct objects, coordinated with "and"/"or"/","; a phrasal verb takes its object after a preposition.
    let expectObject = true;
    while (k < chunks.length) {
      const next = chunks[k];
      if (next.kind === 'np' && expectObject && (!next.preposition || objects.length === 0)) {
        const viaPreposition = !!next.preposition;
        if (
          viaPreposition &&
          objects.length === 0 &&
          !['for', 'on', 'to', 'into', 'up', 'out'].includes(next.preposition ?? '')
        )
          break;
        // "confirms the tenant's apartment": the object is the owned thing, its owner only describes it.
        const owned = chunks[k + 1];
        if (next.possessor && owned?.kind === 'np' && !owned.preposition) {
          objects.push({ ...owned, preposition: next.preposition });
          k += 2;
        } else {
          objects.push(next);
          k++;
        }
        expectObject = false;
        continue;
      }
      if (
        next.kind === 'word' &&
        ['and', 'or'].includes(next.lower) &&
        chunks[k + 1]?.kind === 'np' &&
        chunks[k + 2]?.kind !== 'vp'
      ) {
        expectObject = true;
        k++;
        continue;
      }
      // Two objects: "send the gardener a warning" (to whom, then what).
      const only = objects.length === 1 ? objects[0] : undefined;
      if (
        only &&
        next.kind === 'np' &&
        !next.preposition &&
        !only.preposition &&
        only.index === chunks[k - 1].index &&
        !punctuation.test(only.post) &&
        chunks[k + 1]?.kind !== 'vp'
      ) {
        objects.push(next);
        k++;
        continue;
      }
      // A comma list of objects: "manage plant varieties, greenhouse batches and their growth stage".
      const last = objects[objects.length - 1];
      if (
        next.kind === 'np' &&
        !expectObject &&
        last &&
        last.index === chunks[k - 1].index &&
        /,/.test(last.post) &&
        !next.preposition
      ) {
        const after = chunks[k + 1];
        if (
          after?.kind !== 'vp' &&
          !(after?.kind === 'word' && ['who', 'that', 'which'].includes(after.lower))
        ) {
          objects.push(next);
          k++;
          continue;
        }
      }
      // "lies in exactly one zone": adverbs, counts and prepositions before the first object are skipped.
      if (
        next.kind === 'word' &&
        (next.tags.has('Preposition') || next.tags.has('Adverb') || next.tags.has('Value')) &&
        objects.length === 0
      ) {
        k++;
        continue;
      }
      break;
    }
    // "pick up the reservation … and return it": a pronoun object is the last thing named in the sentence.
    const pronoun = chunks[c.index + 1];
    if (
      objects.length === 0 &&
      pronoun?.kind === 'word' &&
      ['it', 'them'].includes(pronoun.lower) &&
      lastObject
    ) {
      objects.push(lastObject);
      k = c.index + 2;
    }
    // Prepositional complements until the next verb.
    let preposition = '';
    for (; k < chunks.length; k++) {
      const next = chunks[k];
      if (next.kind === 'vp') break;
      if (
        next.kind === 'word' &&
        (next.tags.has('Preposition') ||
          [
            'per',
            'for',
            'from',
            'with',
            'of',
            'at',
            'in',
            'to',
            'by',
            'against',
            'through',
            'between',
          ].includes(next.lower))
      )
        preposition = next.lower;
      else if (next.kind === 'np' && !preposition && ownerBefore(chunks, k)?.preposition)
        complements.push({ preposition: ownerBefore(chunks, k)!.preposition!, phrase: next });
      else if (next.kind === 'np' && (preposition || next.preposition)) {
        preposition = next.preposition ?? preposition;
        complements.push({ preposition, phrase: next });
        // "from supermarkets, farms and individual donors": a list goes on past its commas, unless what follows
        // the comma starts a clause of its own.
        const after = chunks[k + 2];
        const listGoesOn =
          /,/.test(next.post) &&
          (preposition === 'with' || (chunks[k + 1]?.kind === 'np' && after?.kind !== 'vp'));
        if (/[,;]/.test(next.post) && !listGoesOn) break;
      } else if (next.kind === 'np' && /[,;]/.test(next.post)) break;
      else if (next.kind === 'word' && ['who', 'that', 'which', 'when', 'so', 'because'].includes(next.lower))
        break;
    }
    if (objects.length > 0) lastObject = objects[objects.length - 1];
    result.push({ verb: c, subject, relativeSubject: relative, objects, complements });
  }
  // "approves or declines the reservation": a verb without an object shares the next coordinated verb's.
  for (let i = result.length - 2; i >= 0; i--) {
    const here = result[i];
    const next = result[i + 1];
    const between = chunks[here.verb.index + 1];
    if (
      here.objects.length === 0 &&
      here.subject &&
      next.verb.index === here.verb.index + 2 &&
      between?.kind === 'word' &&
      ['and', 'or'].includes(between.lower)
    ) {
      here.objects = next.objects;
      here.complements = next.complements;
    }
  }
  return result;
}

/** "the exhibition's opening dates": compromise may also read the "'s" as a hidden "is"; it is only a possessive. */
function withoutSplitPossessives(tokens: Token[]): Token[] {
  return tokens.filter(
    (t, i) => !(t.text === '' && t.tags.has('Copula') && i > 0 && isPossessor(tokens[i - 1])),
  );
}

export function parseSentence(text: string, lexicon: Record<string, string>): ParsedSentence[] {
  return termsOf(text, lexicon).map((terms) => {
    const tokens = withoutSplitPossessives(joinHyphenated(toTokens(terms, lexicon)));
    retagVerbs(tokens);
    const chunks = chunk(tokens);
    return {
      text: tokens
        .map((t) => `${t.pre}${t.text}${t.post}`)
        .join('')
        .trim(),
      chunks,
      clauses: clauses(chunks),
      nounPhrases: chunks.filter((c): c is NounPhrase => c.kind === 'np'),
    };
  });
}

/** Lower-case abbreviations that a capitalised word may follow inside one sentence ("approx. Ten"). */
const lowerCaseAbbreviations = new Set([
  'approx',
  'etc',
  'incl',
  'excl',
  'vs',
  'no',
  'nos',
  'esp',
  'ca',
  'cf',
]);

export function splitSentences(paragraph: string): string[] {
  return (nlp(paragraph).sentences().out('array') as string[])
    .flatMap(splitAfterWordTakenForAbbreviation)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** "signed by a second vet. Vaccinations are …": a full stop after a plain word, not an abbreviation, ends it. */
function splitAfterWordTakenForAbbreviation(sentence: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (const m of sentence.matchAll(/\b([a-z]{2,})\. +(?=[A-Z][a-z])/g)) {
    if (lowerCaseAbbreviations.has(m[1])) continue;
    const end = m.index + m[0].length;
    parts.push(sentence.slice(start, end));
    start = end;
  }
  return [...parts, sentence.slice(start)];
}
