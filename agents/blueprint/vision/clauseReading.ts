import type { ActionKind, Sentence, WithClauses, WithStory } from './analysisState';
import { addAttribute, Registry } from './candidates';
import { pascalCase, singular } from '../../../toolchain/vision/language';
import type { Clause, NounPhrase, ParsedSentence } from './parse';
import {
  creationVerbs,
  isFieldPhrase,
  maintenanceVerbs,
  notifyVerbs,
  stativeVerbs,
  viewVerbs,
} from './vocabulary';

/**
 * The clause pass of the vision analysis: every noun phrase of the domain sentences becomes a candidate
 * entity, and every clause adds what it says: attributes ("each tool has a name"), who acts on what ("members
 * reserve tools"), what refers to what ("a reservation for a tool") and what the people in it are responsible
 * for.
 */

const attributeVerbs = new Set(['have', 'include', 'contain', 'carry', 'come with', 'hold', 'store', 'show']);
const agentiveSuffix =
  /(er|or|ist|ant|ent|eer|ian|ee|ic|ess|ive|ard|man|woman|person|lead|staff|admin|owner|parent|child|family|neighbour|neighbor|friend|guest|user|host)$/;

const isPerson = (np: NounPhrase) => agentiveSuffix.test(singular(np.head));

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
  const excluded = new Set([
    title.toLowerCase(),
    pascalCase(title).toLowerCase(),
    ...title.toLowerCase().split(/\s+/),
  ]);
  const found: WithClauses = {
    ...state,
    registry: new Registry(excluded),
    rawActions: [],
    relationPairs: [],
    actorSubjects: new Map(),
  };
  for (const s of state.domainSentences) {
    for (const p of s.parses) {
      for (const np of p.nounPhrases) {
        const c = found.registry.touch(np, s.order);
        if (c && isPerson(np) && !isFieldPhrase(np.phrase)) c.personSignal = true;
      }
      for (const clause of p.clauses) readClause(found, clause, s, p);
    }
  }
  return found;
}

function readClause(found: WithClauses, clause: Clause, s: Sentence, p: ParsedSentence): void {
  const { verb, subject } = clause;
  if (verb.reducedRelative || verb.passive) return;
  const subjectName = subject ? found.registry.nameOf(subject) : undefined;
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
  const kind = verbKind(verb.verb);
  if (kind === 'stative' || verb.negated) return;
  readAction(found, clause, kind, subjectName, s);
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
  const after = p.nounPhrases.filter(
    (np) =>
      np.index > verb.index &&
      (!next || np.index < next.index) &&
      (!np.preposition || np.preposition === 'with') &&
      !np.quantified,
  );
  for (const np of after)
    addAttribute(
      owner,
      [...np.modifiers.filter((m) => !/^(each|every|all|some|many)$/.test(m)), np.phrase].join(' '),
      'stated',
      np.parenthetical,
      s.source.text,
    );
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
    // "their growth stage" after "greenhouse batches": a field of the thing just named.
    if ((np.possessive || !name) && isFieldPhrase(np.phrase) && previous) {
      const owner = registry.candidates.get(previous);
      if (owner) addAttribute(owner, np.phrase, 'stated', np.parenthetical, s.source.text);
      continue;
    }
    if (!name) continue;
    const c = registry.candidates.get(name);
    // Looking at something ("browse the catalogue") does not make it a record of its own.
    if (c && kind !== 'view') c.objectOf++;
    previous = name;
    if (subjectName && clause.relativeSubject) found.relationPairs.push({ from: subjectName, to: name });
    else if (subjectName)
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
  const anchor = objectNames.find((o) => o.name)?.name ?? (clause.relativeSubject ? subjectName : undefined);
  if (kind === 'view' || kind === 'notify') return;
  readComplements(found, clause, anchor, s);
}

/** "with a due date", "for a tool": a field of the thing acted on, or a relation between two things. */
function readComplements(found: WithClauses, clause: Clause, anchor: string | undefined, s: Sentence): void {
  const { registry } = found;
  for (const { preposition, phrase } of clause.complements) {
    const name = registry.nameOf(phrase);
    if (!anchor) continue;
    const owner = registry.candidates.get(anchor);
    if (owner && (isFieldPhrase(phrase.phrase) || (!name && preposition === 'with'))) {
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
    else if (['for', 'from', 'per', 'at', 'in', 'of', 'on'].includes(preposition))
      found.relationPairs.push({ from: anchor, to: name });
  }
}
