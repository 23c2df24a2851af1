import type { RawAction, Relation, WithEntities, WithPersonas } from './analysisState';
import { newCandidate, type Candidate } from './candidates';
import type { EntityHint } from './hints';
import { capitalise, labelOf, pascalCase } from '../../../toolchain/vision/language';
import { isFieldPhrase, nominalisations, timeUnits, typeOfField } from './vocabulary';

/**
 * The entity pass: of the candidates, the things acted on, described or related; personas too when something
 * refers to them. The hints' entities win; otherwise the most connected, at most twelve. In order of
 * appearance.
 */
export function chooseEntities(state: WithPersonas): WithEntities {
  const { registry, resolve, hints } = state;
  const relations = state.relationPairs
    .map((r) => ({ ...r, from: resolve(r.from), to: resolve(r.to) }))
    .filter((r) => r.from !== r.to);
  const actions = state.rawActions.map((a) => ({ ...a, actor: resolve(a.actor), entity: resolve(a.entity) }));
  const stored = [...registry.candidates.values()]
    .filter(
      (c) =>
        (!c.personSignal || state.personaNames.has(c.name) || c.objectOf > 0 || isKeptPerson(c, relations)) &&
        !(
          isFieldPhrase(c.label) &&
          c.occurrences === 0 &&
          !isThingOfItsOwn(c) &&
          (c.attributeSubject === 0 ||
            ['date', 'datetime', 'money', 'email', 'boolean'].includes(typeOfField(c.label)))
        ),
    )
    .filter(isEntityIn(state, relations, actions));
  const chosen = hints.entities
    ? hintedEntities(hints.entities, stored, state)
    : mostConnected(stored, state);
  chosen.sort((a, b) => a.firstSeen - b.firstSeen || a.name.localeCompare(b.name));
  return { ...state, chosen, entityNames: new Set(chosen.map((c) => c.name)), relations, actions };
}

/**
 * A field word can still name a record: a unit of time a noun qualifies ("work days"), a thing made and
 * talked about again and again ("leave a review", "one review per booking"), or a set the text counts out
 * ("two distribution points").
 */
function isThingOfItsOwn(c: Candidate): boolean {
  const words = c.label.split(' ');
  const qualifiedTime = words.length > 1 && timeUnits.has(words[words.length - 1]);
  return qualifiedTime || c.counted || (c.objectOf > 0 && c.mentions >= 3 && typeOfField(c.label) === 'text');
}

/** "logged with the donor": someone named more than once and linked to a record is kept, though not acting. */
function isKeptPerson(c: Candidate, relations: Relation[]): boolean {
  return c.mentions >= 2 && relations.some((r) => !r.agent && (r.from === c.name || r.to === c.name));
}

/** A persona is an entity when something refers to it or it creates records; anything else when used. */
function isEntityIn(
  { registry, personaNames }: WithPersonas,
  relations: Relation[],
  actions: RawAction[],
): (c: Candidate) => boolean {
  const candidateLabels = new Set(
    [...registry.candidates.values()].map((c) => c.label.split(' ').pop() ?? ''),
  );
  const createsRecords = (persona: string) =>
    actions.some(
      (a) =>
        a.actor === persona &&
        !a.viaPreposition &&
        (a.kind === 'create' ||
          (a.kind === 'transition' && nominalisations(a.verb).some((n) => candidateLabels.has(n)))),
    );
  return (c) => {
    if (personaNames.has(c.name))
      return (
        c.objectOf + c.complementOf + c.attributeSubject > 0 ||
        relations.some((r) => r.to === c.name) ||
        createsRecords(c.name)
      );
    // Named once and only as the end of a link ("at the closing ceremony"), a noun is a detail of the text.
    // Linked to two others ("a request tied to the tenant's apartment"), it holds the domain together.
    const partners = new Set(
      relations.filter((r) => !r.agent && (r.from === c.name || r.to === c.name)).map((r) => r.from + r.to),
    );
    const linkedOnly = c.mentions <= 1 && partners.size < 2;
    return (
      // Counted out ("the six apartment blocks", "one of our two distribution points"): a set of things kept.
      c.counted ||
      c.objectOf > 0 ||
      c.attributeSubject > 0 ||
      c.attributes.size > 0 ||
      (!linkedOnly && relations.some((r) => r.from === c.name || r.to === c.name))
    );
  };
}

/** The hints' entities with what the text says of them; hinted attributes and states replace inferred ones. */
function hintedEntities(hinted: EntityHint[], stored: Candidate[], { registry }: WithPersonas): Candidate[] {
  const byName = new Map(stored.map((c) => [c.name, c]));
  return hinted.map((h) => {
    const inferred = byName.get(h.name) ?? registry.candidates.get(h.name);
    const c: Candidate = inferred ?? newCandidate(h.name, 0);
    if (h.attributes.length > 0) {
      c.attributes = new Map(
        h.attributes.map((a) => [
          a.name,
          {
            name: a.name,
            type: a.type,
            required: a.required,
            description: a.description ?? capitalise(labelOf(pascalCase(a.name))),
            ...(a.enumValues && a.enumValues.length > 0 ? { enumValues: a.enumValues } : {}),
            source: 'hint' as const,
          },
        ]),
      );
    }
    if (h.states) c.states = h.states;
    for (const owner of h.references ?? []) c.references.add(owner);
    return c;
  });
}

/** Keeps the domain focused: the most connected candidates, at most twelve; never none. */
function mostConnected(stored: Candidate[], { registry, personaNames }: WithPersonas): Candidate[] {
  const score = (c: Candidate) =>
    c.objectOf * 3 + c.attributeSubject * 3 + c.attributes.size + c.complementOf + c.mentions;
  const chosen = stored
    .sort((a, b) => score(b) - score(a) || a.firstSeen - b.firstSeen || a.name.localeCompare(b.name))
    .slice(0, 12);
  if (chosen.length > 0) return chosen;
  const fallback = [...registry.candidates.values()]
    .filter((c) => !personaNames.has(c.name))
    .sort((a, b) => b.mentions - a.mentions || a.firstSeen - b.firstSeen);
  return fallback.length > 0 ? fallback.slice(0, 1) : [newCandidate('Item', 0)];
}
