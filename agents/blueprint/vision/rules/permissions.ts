import type { TypedRule } from '../../../../toolchain/schemas/typedRule';
import { negation } from './guards';
import type { Recognised } from './limits';
import { isParticiple, nounAfter, verbOf, type RuleSentence } from './ruleSentence';

const modals = new Set(['can', 'may', 'must', 'is', 'are', 'be', 'allowed', 'to', 'only']);
const ownerWords = new Set(['owner', 'landlord', 'author', 'creator', 'host', 'organiser', 'organizer']);

/**
 * Who may act: "only the owner of a tool can approve a reservation", "only coordinators can create shifts",
 * "events are published by committee members only", "managers cannot approve their own expense reports",
 * "patients may only cancel their own appointments".
 */
export function recognisePermission(s: RuleSentence): Recognised | undefined {
  const words = s.words;
  const own = words.findIndex((w, i) => w === 'own' && ['their', 'his', 'her'].includes(words[i - 1]));
  const only = words.indexOf('only');
  const no = negation(s);

  if (own >= 0) {
    const subject = nounAfter(s, 0);
    const verbAt = firstVerb(s, subject ? subject.index + 1 : 0);
    if (!subject || verbAt === undefined || verbAt > own) return undefined;
    const object = nounAfter(s, verbAt + 1);
    const ownedThing = nounAfter(s, own + 1);
    // "make offers on their own bikes": the record made is the offer; "review their own submission": the submission.
    const entity = object && object.index < own - 1 ? object.name : ownedThing?.name;
    if (!entity) return undefined;
    const rule: TypedRule = {
      kind: 'permission',
      action: verbOf(words[verbAt]),
      actors: [subject.name],
      ...(no ? { notSelf: true } : { owner: true }),
      ...(ownedThing && ownedThing.name !== entity ? { of: ownedThing.name } : {}),
    };
    return { entity, rule };
  }
  // "A signup can only be confirmed by a coordinator": who acts follows "by".
  if (only >= 0 && words[only + 1] === 'be' && isParticiple(words[only + 2]) && words[only + 3] === 'by') {
    const subject = nounAfter(s, 0);
    const actors = actorsAt(s, only + 4);
    if (!subject || !actors || subject.index > only) return undefined;
    return {
      entity: subject.name,
      rule: { kind: 'permission', action: verbOf(words[only + 2]), actors: actors.names },
    };
  }
  // "can only be submitted before ...": "only" qualifies the verb, not who acts.
  if (only < 0 || modals.has(words[only + 1])) return undefined;

  // "... by committee members only" / "only by coordinators".
  const by = words.lastIndexOf('by');
  if (
    by > 0 &&
    (words[by + 1] === 'only' || words[words.length - 1] === 'only' || words[by - 1] === 'only')
  ) {
    const subject = nounAfter(s, 0);
    const actors = actorsAt(s, words[by + 1] === 'only' ? by + 2 : by + 1);
    const participle = words
      .slice(0, by)
      .reverse()
      .find((w) => isParticiple(w));
    if (!subject || !actors || !participle) return undefined;
    return {
      entity: subject.name,
      rule: { kind: 'permission', action: verbOf(participle), actors: actors.names },
    };
  }

  // "Only the owner of a tool can approve a reservation", "Only coordinators and team leads can create shifts".
  const actors = actorsAt(s, only + 1);
  const actor = actors && { name: actors.names[0], index: actors.index };
  // "Only X can ...": who acts comes before the modal; "teams can only register" names no one.
  if (
    !actors ||
    !actor ||
    !words.slice(actor.index + 1, actor.index + 6).some((w) => ['can', 'may', 'must'].includes(w))
  )
    return undefined;
  const verbAt = firstVerb(s, actor.index + 1);
  if (verbAt === undefined) return undefined;
  const ownerOfRecord = ownerWords.has(words[actor.index]) || words[actor.index + 1] === 'of';
  // "Only the author of a notice can edit it": the pronoun stands for the record named with the owner.
  const object = ['it', 'them'].includes(words[verbAt + 1])
    ? ownerOfRecord && words[actor.index + 1] === 'of'
      ? nounAfter(s, actor.index + 2)
      : undefined
    : nounAfter(s, verbAt + 1);
  if (!object) return undefined;
  // "Only the owner of a tool can approve a reservation": the tool's owner.
  const owned = ownerOfRecord && words[actor.index + 1] === 'of' ? nounAfter(s, actor.index + 2) : undefined;
  return {
    entity: object.name,
    rule: {
      kind: 'permission',
      action: verbOf(words[verbAt]),
      ...(ownerOfRecord ? { owner: true } : { actors: actors.names }),
      ...(owned && owned.name !== object.name ? { of: owned.name } : {}),
    },
  };
}

/** Words after "by" that name a time, not who acts ("by Friday", "by the deadline"). */
const times = new Set([
  'deadline',
  'date',
  'time',
  'noon',
  'midnight',
  'end',
  'start',
  'close',
  'then',
  'now',
]);

/**
 * Who acts, from `from` on: one role or several joined by "and", "or" or commas ("coordinators and team leads"),
 * with the index of the last word read; undefined when the first noun names a time.
 */
function actorsAt(s: RuleSentence, from: number): { names: string[]; index: number } | undefined {
  const first = nounAfter(s, from);
  if (!first || times.has(s.words[first.index])) return undefined;
  const names = [first.name];
  let index = first.index;
  while (['and', 'or'].includes(s.words[index + 1])) {
    const next = nounAfter(s, index + 2);
    if (!next || next.index > index + 4 || times.has(s.words[next.index])) break;
    names.push(next.name);
    index = next.index;
  }
  return { names: [...new Set(names)], index };
}

/** The first word after `from` that is not a modal, a negation or part of "of the X". */
function firstVerb(s: RuleSentence, from: number): number | undefined {
  for (let i = from; i < s.words.length; i++) {
    const w = s.words[i];
    if (modals.has(w) || ['not', 'cannot', "can't", 'never', 'no', 'longer'].includes(w)) continue;
    if (w === 'of') {
      const owned = nounAfter(s, i + 1);
      if (owned) i = owned.index;
      continue;
    }
    return i;
  }
  return undefined;
}
