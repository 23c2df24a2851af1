import type { ActionKind, Sentence, WithClauses, WithStory } from './analysisState';
import { readAttendance } from './attendanceRecords';
import { addAttribute, Registry, type Candidate } from './candidates';
import {
  camelCase,
  entityNameOf,
  labelOf,
  pascalCase,
  pastTense,
  singular,
} from '../../../toolchain/vision/language';
import type { Clause, NounPhrase, ParsedSentence } from './parse';
import {
  creationVerbs,
  eventNouns,
  isEventNoun,
  isFieldPhrase,
  maintenanceVerbs,
  notifyVerbs,
  stativeVerbs,
  thingsNamedLikeAgents,
  typeOfField,
  viewVerbs,
} from './vocabulary';

/**
 * The clause pass of the vision analysis: every noun phrase of the domain sentences becomes a candidate
 * entity, and every clause adds what it says: attributes ("each tool has a name"), who acts on what ("members
 * reserve tools"), what refers to what ("a reservation for a tool") and what the people in it are responsible
 * for.
 */

/** Verbs that label a thing with a word: "marked unsafe", "flagged late". */
const markingVerbs = new Set(['mark', 'flag', 'label', 'declare']);
const punctuation = (post: string) => /[,;:]/.test(post);

/** Prepositions that tie the thing acted on to another thing: "a reservation for a tool", "tied to an apartment". */
const relatingPrepositions = new Set([
  'for',
  'from',
  'per',
  'at',
  'in',
  'of',
  'on',
  'to',
  'against',
  'through',
  'between',
  'by',
]);

const attributeVerbs = new Set(['have', 'include', 'contain', 'carry', 'come with', 'hold', 'store', 'show']);
const agentiveSuffix =
  /(er|or|ist|ant|(?<!m)ent|eer|ian|ee|ic|ive|ard|man|woman|person|lead|staff|admin|owner|parent|child|family|neighbour|neighbor|friend|guest|user|host)$/;

const isPerson = (np: NounPhrase) => {
  const head = singular(np.head);
  return agentiveSuffix.test(head) && !thingsNamedLikeAgents.has(head);
};

function verbKind(verb: string): ActionKind | 'stative' {
  const first = verb.split(' ')[0];
  if (stativeVerbs.has(verb) || (stativeVerbs.has(first) && !creationVerbs.has(verb))) return 'stative';
  if (creationVerbs.has(verb)) return 'create';
  if (maintenanceVerbs.has(verb) || maintenanceVerbs.has(first)) return 'maintain';
  if (viewVerbs.has(verb) || viewVerbs.has(first)) return 'view';
  if (notifyVerbs.has(verb) || notifyVerbs.has(first)) return 'notify';
  return 'transition';
}

export function readClauses(state: WithStory): WithClauses {
  const { title } = state;
  // The product's own name is not a thing it stores; the words of a descriptive title are ("Tool library": tools).
  const excluded = new Set([title.toLowerCase(), pascalCase(title).toLowerCase()]);
  const found: WithClauses = {
    ...state,
    registry: new Registry(excluded),
    rawActions: [],
    relationPairs: [],
    actorSubjects: new Map(),
  };
  // "A late return adds a fee" where people also return things: the noun is that action happening.
  const verbsUsed = new Set(
    state.domainSentences.flatMap((s) => s.parses.flatMap((p) => p.clauses.map((c) => c.verb.verb))),
  );
  // Every mention is counted first: whether a noun is named elsewhere decides how a clause reads it.
  for (const s of state.domainSentences) {
    for (const p of s.parses) {
      for (const np of p.nounPhrases) {
        const c = found.registry.touch(np, s.order, s.source.text);
        if (c && isPerson(np) && !isFieldPhrase(np.phrase)) c.personSignal = true;
      }
    }
  }
  for (const s of state.domainSentences)
    for (const p of s.parses) for (const clause of p.clauses) readClause(found, clause, s, p, verbsUsed);
  // Once every clause is read, it is known which owned nouns are things of their own.
  for (const s of state.domainSentences) for (const p of s.parses) readNounPhraseLinks(found, p, s);
  readAttendance(found);
  return found;
}

/**
 * "the plot's size", "the registration number of their vehicle", "plots of different sizes": a field word
 * owned by a thing is its attribute. "copies of a book", "contractors' invoices": two things, one refers to
 * the other. An owned noun named nowhere else is a fact about its owner ("the vehicle's keeper").
 */
function readNounPhraseLinks(found: WithClauses, p: ParsedSentence, s: Sentence): void {
  const { registry } = found;
  const link = (owner: NounPhrase, owned: NounPhrase, ownedByPossessive: boolean) => {
    const ownerName = registry.nameOf(owner);
    const ownerCandidate = ownerName ? registry.candidates.get(ownerName) : undefined;
    if (!ownerCandidate) return;
    const ownedName = registry.nameOf(owned);
    const ownedCandidate = ownedName ? registry.candidates.get(ownedName) : undefined;
    const namedElsewhere =
      !!ownedCandidate &&
      (ownedCandidate.mentions > 1 || ownedCandidate.objectOf + ownedCandidate.complementOf > 0);
    // A field word that is described or acted on elsewhere ("each address lies in a zone") is a thing.
    const describedElsewhere =
      !!ownedCandidate &&
      (ownedCandidate.attributeSubject > 0 || (ownedCandidate.objectOf > 0 && ownedCandidate.mentions > 1));
    // "the exhibition's opening and closing dates": a plural field word is still a field.
    const field = (isFieldPhrase(owned.phrase) || isFieldPhrase(singular(owned.head))) && !describedElsewhere;
    if (!field && !ownedName) return;
    if (field || (ownedByPossessive && !namedElsewhere && !isPerson(owned))) {
      for (const phrase of conjuncts(owned))
        addAttribute(ownerCandidate, phrase, 'stated', owned.parenthetical, s.source.text);
      return;
    }
    if (ownedName && ownedName !== ownerName) found.relationPairs.push({ from: ownedName, to: ownerName! });
  };
  for (const [i, chunk] of p.chunks.entries()) {
    const next = p.chunks[i + 1];
    if (chunk.kind === 'np' && chunk.possessor && next?.kind === 'np' && !next.preposition)
      link(chunk, next, true);
    const of = p.chunks[i + 2];
    // "one review per booking": one thing for each of another.
    if (chunk.kind === 'np' && of?.kind === 'np' && of.preposition === 'per' && next?.kind === 'word') {
      const from = registry.nameOf(chunk);
      const to = registry.nameOf(of);
      if (from && to && from !== to && !isFieldPhrase(chunk.phrase)) found.relationPairs.push({ from, to });
    }
    if (
      chunk.kind === 'np' &&
      next?.kind === 'word' &&
      next.lower === 'of' &&
      of?.kind === 'np' &&
      of.preposition === 'of' &&
      !chunk.quantified
    ) {
      // "plots of different sizes": the field is the second; "the registration number of their vehicle": the first.
      if (isFieldPhrase(of.phrase) && !isFieldPhrase(chunk.phrase)) link(chunk, of, false);
      else if (isFieldPhrase(chunk.phrase) && isFieldName(of, registry)) {
        // "the date of birth of each pet": a field named by two nouns, of the known thing after it if any.
        const owner = p.chunks[i + 4];
        const ownerName =
          owner?.kind === 'np' && owner.preposition === 'of' ? registry.nameOf(owner) : undefined;
        if (ownerName && (registry.candidates.get(ownerName)?.mentions ?? 0) > 1)
          link(owner as NounPhrase, { ...chunk, phrase: `${chunk.phrase} of ${of.phrase}` }, false);
      } else link(of, chunk, false);
    }
  }
}

/** "birth" in "date of birth": named once, never acted on or described, not a person: it only names the field. */
function isFieldName(np: NounPhrase, registry: Registry): boolean {
  const name = registry.nameOf(np);
  const c = name ? registry.candidates.get(name) : undefined;
  return (
    !!c &&
    c.mentions <= 1 &&
    c.objectOf + c.complementOf + c.attributeSubject + c.actorVerbs === 0 &&
    !c.personSignal &&
    !np.determiner &&
    !np.possessive
  );
}

/** "opening and closing dates": one phrase per joined modifier, each with the noun ("opening date"). */
function conjuncts(np: NounPhrase): string[] {
  const groups = np.modifiers.join(' ').split(/ (?:and|or) /);
  if (groups.length < 2) return [[...np.modifiers, np.phrase].join(' ')];
  const noun = np.phrase.split(' ').map((w, i, all) => (i === all.length - 1 ? singular(w) : w));
  return groups.map((g) => [g, ...noun].join(' '));
}

function readClause(
  found: WithClauses,
  clause: Clause,
  s: Sentence,
  p: ParsedSentence,
  verbsUsed: Set<string>,
): void {
  const { verb, subject } = clause;
  const subjectName = subject ? found.registry.nameOf(subject) : undefined;
  // "the items received, with a quantity and a best-before date": what a described thing comes with is its field.
  if (verb.reducedRelative) {
    const complements = clause.complements.filter((c) => c.preposition === 'with');
    if (subjectName) readComplements(found, { ...clause, complements }, subjectName, s);
    return;
  }
  if (verb.passive) {
    readPassive(found, clause, subjectName, s, p);
    return;
  }
  // "keep track of work days": what is kept track of is recorded.
  if (verb.verb === 'keep track') {
    const objects = clause.complements.filter((c) => c.preposition === 'of').map((c) => c.phrase);
    readAction(found, { ...clause, objects, complements: [] }, 'maintain', subjectName, s, verbsUsed);
    return;
  }
  if (attributeVerbs.has(verb.verb) && subjectName) {
    readAttributeList(found, subjectName, clause, s, p);
    return;
  }
  // "Managers want to know which varieties sell out": a wish still makes its subject someone the product serves.
  if (
    ['want', 'need', 'wish'].includes(verb.verb) &&
    subject &&
    subjectName &&
    !clause.relativeSubject &&
    isPerson(subject)
  ) {
    const at = s.source.text.toLowerCase().indexOf(verb.text.toLowerCase());
    addResponsibility(
      found,
      subjectName,
      s.order,
      s.source.text
        .slice(at >= 0 ? at : 0)
        .replace(/[.!]$/, '')
        .toLowerCase(),
    );
    return;
  }
  // "one offer, which becomes a booking": what something turns into is a record that refers to it.
  if (verb.verb === 'become' && subjectName) {
    for (const o of clause.objects) {
      const name = found.registry.nameOf(o);
      const c = name ? found.registry.candidates.get(name) : undefined;
      if (!c || name === subjectName) continue;
      c.objectOf++;
      found.relationPairs.push({ from: name!, to: subjectName });
    }
    return;
  }
  // "every copy belongs to a branch": a relation stated outright.
  if (verb.verb === 'belong' && subjectName && !verb.negated) {
    for (const o of clause.objects) {
      const name = found.registry.nameOf(o);
      const c = name ? found.registry.candidates.get(name) : undefined;
      if (!c || name === subjectName) continue;
      c.complementOf++;
      found.relationPairs.push({ from: subjectName, to: name! });
    }
    return;
  }
  const kind = verbKind(verb.verb);
  // "A permit runs for 12 months from its start date": how a thing stands is told by its fields.
  if (kind === 'stative' && !verb.negated && subject && subjectName && !isPerson(subject)) {
    const complements = clause.complements.filter((c) => isFieldPhrase(c.phrase.phrase));
    readComplements(found, { ...clause, complements }, subjectName, s);
  }
  if (kind === 'stative' || verb.negated) return;
  readAction(found, clause, kind, subjectName, s, verbsUsed);
}

/** "Each tool has a name, a category and a condition (new, good, worn)": attributes of the subject. */
function readAttributeList(
  found: WithClauses,
  subjectName: string,
  { verb }: Clause,
  s: Sentence,
  p: ParsedSentence,
): void {
  const owner = found.registry.candidates.get(subjectName);
  if (!owner) return;
  owner.attributeSubject++;
  // Every noun phrase of the list after the verb, except units and places ("a weight in kilograms").
  const next = p.chunks.find((c) => c.kind === 'vp' && c.index > verb.index);
  // The subject of the next clause ("…, and every book has a title") is not in the list.
  const end = next ? (p.chunks[next.index - 1]?.kind === 'np' ? next.index - 1 : next.index) : undefined;
  const after = p.nounPhrases.filter(
    (np) =>
      np.index > verb.index &&
      (end === undefined || np.index < end) &&
      (!np.preposition || np.preposition === 'with') &&
      !np.quantified,
  );
  for (const np of after) {
    // "every track has its own prizes": a thing named elsewhere is related, not a field.
    const name = found.registry.nameOf(np);
    const thing = name ? found.registry.candidates.get(name) : undefined;
    if (name && thing && name !== subjectName && thing.mentions > 1 && !isFieldPhrase(np.phrase)) {
      found.relationPairs.push({ from: name, to: subjectName });
      continue;
    }
    addAttribute(
      owner,
      [...np.modifiers.filter((m) => !/^(each|every|all|some|many)$/.test(m)), np.phrase].join(' '),
      'stated',
      np.parenthetical,
      s.source.text,
    );
  }
}

function addResponsibility(
  found: WithClauses,
  subjectName: string,
  order: number,
  responsibility: string,
): void {
  const entry = found.actorSubjects.get(subjectName) ?? { count: 0, responsibilities: [], first: order };
  entry.count++;
  entry.responsibilities.push(responsibility);
  found.actorSubjects.set(subjectName, entry);
}

/** A clause where someone does something: the actor, the things acted on, and the complements around them. */
function readAction(
  found: WithClauses,
  clause: Clause,
  kind: ActionKind,
  subjectName: string | undefined,
  s: Sentence,
  verbsUsed: Set<string>,
): void {
  const { registry } = found;
  const objectNames = clause.objects.map((o) => ({ np: o, name: registry.nameOf(o) }));
  if (subjectName && !clause.relativeSubject) {
    const objectText = clause.objects.map((o) => o.phrase).join(' and ');
    addResponsibility(
      found,
      subjectName,
      s.order,
      `${clause.verb.verb}${objectText ? ` ${objectText}` : ''}`,
    );
    const actor = registry.candidates.get(subjectName);
    if (actor) actor.actorVerbs++;
  }
  let previous: string | undefined;
  for (const { np, name } of objectNames) {
    // "their growth stage" after "greenhouse batches", "loans, due dates and fines": a field of the thing just
    // named.
    const singularPhrase = labelOf(entityNameOf(np.phrase));
    const typedField = isFieldPhrase(singularPhrase) && typeOfField(singularPhrase) !== 'string';
    if ((np.possessive || !name || typedField) && isFieldPhrase(singularPhrase) && previous) {
      const owner = registry.candidates.get(previous);
      const phrase = typedField ? [...np.modifiers, singularPhrase].join(' ') : np.phrase;
      if (owner) addAttribute(owner, phrase, 'stated', np.parenthetical, s.source.text);
      continue;
    }
    if (!name) continue;
    const c = registry.candidates.get(name);
    // Looking at something ("browse the catalogue") does not make it a record of its own.
    if (c && kind !== 'view') c.objectOf++;
    previous = name;
    // "each address lies in one zone", "a transfer records the copy": a thing acting on a thing refers to it.
    const thingOnThing =
      !clause.relativeSubject &&
      clause.subject &&
      !isPerson(clause.subject) &&
      // Roles are written as bare plurals ("wardens scan a plate"), single things with an article.
      clause.subject.determiner !== '' &&
      !verbsUsed.has(singular(clause.subject.head));
    if (subjectName && (clause.relativeSubject || thingOnThing) && name !== subjectName)
      found.relationPairs.push({ from: subjectName, to: name });
    if (subjectName && !clause.relativeSubject)
      found.rawActions.push({
        verb: clause.verb.verb,
        kind,
        actor: subjectName,
        entity: name,
        evidence: s.source.text,
        order: s.order,
        viaPreposition: !!np.preposition,
      });
  }
  // "a resident applies with … their vehicle": what a person's own is theirs.
  if (subjectName && clause.subject && isPerson(clause.subject) && !clause.relativeSubject)
    for (const np of [...clause.objects, ...clause.complements.map((c) => c.phrase)]) {
      const name = np.possessive && !isFieldPhrase(np.phrase) ? registry.nameOf(np) : undefined;
      if (name && name !== subjectName) found.relationPairs.push({ from: name, to: subjectName });
    }
  // Without an object, a thing that acts is what its complements describe: "donations arrive from donors".
  const thingActing = subjectName && clause.subject && !isPerson(clause.subject) ? subjectName : undefined;
  const anchor =
    objectNames.find((o) => o.name)?.name ?? (clause.relativeSubject ? subjectName : thingActing);
  // "send a loan request for two artworks": what is sent is a thing, and its complements describe it.
  const sentThing = objectNames.find((o) => o.name && !isPerson(o.np));
  if (kind === 'view' || (kind === 'notify' && !sentThing)) return;
  readComplements(found, clause, anchor, s);
  if (subjectName && !clause.relativeSubject) readOccurrence(found, clause, subjectName, s);
}

/**
 * "Members reserve titles": acting on something with a verb whose occurrence has a name of its own makes a
 * record of it (a reservation), referring to the one who acts and to what the action is on ("transfer copies
 * between branches" → a transfer of a copy between branches). Not when the thing acted on already names an
 * occurrence ("book a visit").
 */
function readOccurrence(found: WithClauses, clause: Clause, subjectName: string, s: Sentence): void {
  const { registry } = found;
  const noun = eventNouns.get(clause.verb.verb);
  const objects = clause.objects
    .map((o) => ({ np: o, name: registry.nameOf(o) }))
    .filter((o): o is { np: NounPhrase; name: string } => !!o.name && !isFieldPhrase(labelOf(o.name)));
  if (!noun || objects.length === 0 || objects.some((o) => isEventNoun(singular(o.np.head)))) return;
  const name = entityNameOf(noun);
  if (!name || name === subjectName || objects.some((o) => o.name === name)) return;
  const occurrence = registry.touchName(name, s.order, s.source.text);
  occurrence.objectOf++;
  occurrence.occurrences++;
  // "score projects on innovation, technical difficulty and presentation": what the action is measured by or
  // done for, named nowhere else, is a fact of the occurrence.
  const facts = clause.complements.filter(({ preposition, phrase }) => {
    const other = registry.nameOf(phrase);
    const once = !other || (registry.candidates.get(other)?.mentions ?? 0) <= 1;
    return ['on', 'for', 'with'].includes(preposition) && once && !isPerson(phrase);
  });
  for (const { phrase } of facts)
    addAttribute(
      occurrence,
      [...phrase.modifiers, phrase.phrase].join(' '),
      'stated',
      phrase.parenthetical,
      s.source.text,
    );
  const related = [
    subjectName,
    ...objects.map((o) => o.name),
    ...clause.complements
      .filter((c) => relatingPrepositions.has(c.preposition) && !facts.includes(c))
      .map((c) => registry.nameOf(c.phrase))
      .filter((n): n is string => !!n && !isFieldPhrase(labelOf(n))),
  ];
  for (const to of new Set(related)) if (to !== name) found.relationPairs.push({ from: name, to });
}

function addTimestamp(c: Candidate, verb: string, evidence: string): void {
  const name = `${camelCase(pastTense(verb))}At`;
  if (c.attributes.has(name)) return;
  c.attributes.set(name, {
    name,
    type: 'datetime',
    required: false,
    description: `When the ${c.label} was ${pastTense(verb)}, from: "${evidence}"`,
    source: 'derived',
  });
}

/**
 * "Each donation is logged with the donor …", "damage reports can be filed against a car by any member": the
 * subject of a passive is the thing acted on, and its complements describe or relate it.
 */
function readPassive(
  found: WithClauses,
  clause: Clause,
  subjectName: string | undefined,
  s: Sentence,
  p: ParsedSentence,
): void {
  if (!subjectName || clause.verb.negated) return;
  const c = found.registry.candidates.get(subjectName);
  // "a damage report that is marked unsafe": the word it is marked with is a yes/no fact about it.
  const marked = p.chunks[clause.verb.index + 1];
  if (c && markingVerbs.has(clause.verb.verb) && marked && !punctuation(clause.verb.post)) {
    const word =
      marked.kind === 'np' && !marked.preposition
        ? marked.phrase
        : marked.kind === 'word' && marked.tags.has('Adjective')
          ? marked.lower
          : undefined;
    if (word && /^[a-z]+$/.test(word)) {
      const misread = found.registry.candidates.get(entityNameOf(word));
      if (misread && misread.mentions <= 1) found.registry.candidates.delete(misread.name);
      c.attributes.set(word, {
        name: word,
        type: 'boolean',
        required: false,
        description: `Whether the ${c.label} is marked ${word}, from: "${s.source.text}"`,
        source: 'stated',
      });
      return;
    }
  }
  const kind = verbKind(clause.verb.verb);
  if (kind === 'stative') return;
  if (c && kind !== 'view') c.objectOf++;
  // "Projects are submitted …": when it happened is worth keeping.
  if (c && (kind === 'transition' || kind === 'create')) addTimestamp(c, clause.verb.verb, s.source.text);
  const complements = [
    ...clause.objects.filter((o) => o.preposition).map((o) => ({ preposition: o.preposition!, phrase: o })),
    ...clause.complements,
  ];
  readComplements(found, { ...clause, complements }, subjectName, s);
}

/** "with a due date", "for a tool": a field of the thing acted on, or a relation between two things. */
function readComplements(found: WithClauses, clause: Clause, anchor: string | undefined, s: Sentence): void {
  const { registry } = found;
  for (const { preposition, phrase } of clause.complements) {
    const name = registry.nameOf(phrase);
    if (!anchor) continue;
    const owner = registry.candidates.get(anchor);
    // "with a repo link and a demo video": what a thing comes with is a fact about it, unless named elsewhere.
    const mentionedOnce = !name || (registry.candidates.get(name)?.mentions ?? 0) <= 1;
    // "at one of our two distribution points": what the text counts out is a set of things, not a value.
    const field = isFieldPhrase(phrase.phrase) && !(phrase.counted && name);
    if (owner && (field || (preposition === 'with' && mentionedOnce && !isPerson(phrase)))) {
      addAttribute(
        owner,
        [...phrase.modifiers, phrase.phrase].join(' '),
        'stated',
        phrase.parenthetical,
        s.source.text,
      );
      continue;
    }
    if (!name || name === anchor) continue;
    const c = registry.candidates.get(name);
    if (c) c.complementOf++;
    if (preposition === 'with') found.relationPairs.push({ from: name, to: anchor });
    else if (relatingPrepositions.has(preposition))
      found.relationPairs.push({ from: anchor, to: name, ...(preposition === 'by' ? { agent: true } : {}) });
  }
}
