import { snakeCase } from '../../../../toolchain/vision/language';
import type { Recognised } from './limits';
import {
  attributeFor,
  isParticiple,
  nounAfter,
  numberOf,
  ownerOf,
  unitOf,
  verbOf,
  type RuleSentence,
} from './ruleSentence';

const negations = [
  ['cannot'],
  ["can't"],
  ['can', 'not'],
  ['may', 'not'],
  ['must', 'not'],
  ['must', 'never'],
  ['can', 'never'],
  ['can', 'no', 'longer'],
  ['may', 'no', 'longer'],
  ['is', 'not', 'allowed', 'to'],
  ['are', 'not', 'allowed', 'to'],
  ['not', 'allowed', 'to'],
];

/** Where the sentence forbids something, and the index of the first word after the negation. */
export function negation(s: RuleSentence): { start: number; after: number } | undefined {
  for (let i = 0; i < s.words.length; i++) {
    for (const phrase of negations) {
      if (phrase.every((w, k) => s.words[i + k] === w)) return { start: i, after: i + phrase.length };
    }
  }
  return undefined;
}

const fillers = new Set(['be', 'been', 'only', 'ever', 'longer', 'no', 'to', 'allowed']);

/** The verb that follows `from`, passive or active ("be reserved" → reserve, "reserve" → reserve). */
function verbFrom(
  s: RuleSentence,
  from: number,
): { verb: string; index: number; passive: boolean } | undefined {
  let passive = false;
  for (let i = from; i < s.words.length; i++) {
    if (s.words[i] === 'be' || s.words[i] === 'been') passive = true;
    if (fillers.has(s.words[i])) continue;
    return { verb: verbOf(s.words[i]), index: i, passive };
  }
  return undefined;
}

/** "Appointments can only be cancelled before they are checked in": refused from that state of the lifecycle on. */
function onlyBeforeState(s: RuleSentence): Recognised | undefined {
  const only = s.words.indexOf('only');
  const before = s.words.indexOf('before', only);
  if (only < 0 || before < 0) return undefined;
  const verb = verbFrom(s, only + 1);
  const subject = nounAfter(s, 0);
  const state = s.states.find((m) => m.start > before);
  if (!verb || verb.index > before || !subject || !state) return undefined;
  const lifecycle = s.entityOf(subject.name)?.states ?? [];
  const from = lifecycle.indexOf(state.name);
  if (from < 0) return undefined;
  // The states the action itself leads to are not "after" in this sense ("cancelled" follows any state).
  const target = lifecycle.find((st) => st.startsWith(pastTenseOf(verb.verb)));
  const states = lifecycle.slice(from).filter((st) => st !== target);
  return { entity: subject.name, rule: { kind: 'state-guard', action: verb.verb, states } };
}

function pastTenseOf(verb: string): string {
  return verb.endsWith('e') ? `${verb}d` : verb.endsWith('l') ? `${verb}led` : `${verb}ed`;
}

/** "A tool cannot be reserved while it is on loan", "Published articles can no longer be edited". */
export function recogniseStateGuard(s: RuleSentence): Recognised | undefined {
  const no = negation(s);
  if (!no) return onlyBeforeState(s);
  const verb = verbFrom(s, no.after);
  if (!verb) return undefined;
  const subject = nounAfter(s, 0);
  const object = verb.passive ? undefined : nounAfter(s, verb.index + 1);
  const entity = verb.passive || !object ? subject?.name : object.name;
  if (!entity) return undefined;

  let states = s.states.map((m) => m.name);
  let holder: string | undefined;
  const whileAt = s.words.findIndex(
    (w, i) => (w === 'while' || w === 'that' || w === 'when') && i > verb.index,
  );
  if (whileAt >= 0) {
    // The state is the one the clause names, not the verb's own ("offered ... a plot that is allocated").
    states = s.states.filter((m) => m.start > whileAt).map((m) => m.name);
    const rest = s.words.slice(whileAt + 1);
    const copula = rest.findIndex((w) => w === 'is' || w === 'are');
    if (copula < 0) return undefined;
    const before = rest.slice(0, copula);
    if (s.words[whileAt] === 'that') holder = nounAfter(s, whileAt - 1 - 0)?.name ?? undefined;
    if (before[0] === 'its' || before[0] === 'their') holder = nounAfter(s, whileAt + 2)?.name;
    if (s.words[whileAt] === 'that') {
      // "a plot that is already allocated": the noun just before "that".
      const prior = [...s.entities, ...s.roles].filter((m) => m.end === whileAt).pop();
      holder = prior?.name ?? nounBefore(s, whileAt);
    }
    if (states.length === 0) {
      const words = rest.slice(copula + 1).filter((w) => !['already', 'still', 'currently'].includes(w));
      if (words.length === 0) return undefined;
      states = [snakeCase(words.join(' '))];
    }
  } else if (states.length === 0 && relativeState(s, no.start)) {
    // "A copy that is out on loan cannot be transferred": the state the relative clause gives its subject.
    states = [relativeState(s, no.start)!];
  } else if (states.length === 0) {
    // A state written before its noun: "Published articles", "Closed repair jobs".
    const first = s.words[0];
    if (!isParticiple(first) || !subject) return undefined;
    states = [snakeCase(first)];
  }
  if (states.length === 0) return undefined;
  const related = holder && holder !== entity ? holder : undefined;
  return {
    entity,
    rule: { kind: 'state-guard', action: verb.verb, ...(related ? { related } : {}), states },
  };
}

/** "that is out on loan" before the negation at `end`: the state, in snake case. */
function relativeState(s: RuleSentence, end: number): string | undefined {
  const that = s.words.findIndex((w, i) => ['that', 'which'].includes(w) && i < end);
  if (that < 0 || !['is', 'are'].includes(s.words[that + 1])) return undefined;
  const words = s.words.slice(that + 2, end).filter((w) => !['already', 'still', 'currently'].includes(w));
  return words.length > 0 && words.length <= 3 ? snakeCase(words.join(' ')) : undefined;
}

function nounBefore(s: RuleSentence, index: number): string | undefined {
  for (let i = index - 1; i >= 0; i--) {
    const found = nounAfter(s, i);
    if (found && found.index === index - 1) return found.name;
  }
  return undefined;
}

const windowWords = new Set(['before', 'until', 'after', 'by']);

/** "cancelled up to 24 hours before they start", "only before the deadline", "an expired voucher cannot be redeemed". */
export function recogniseTimeWindow(s: RuleSentence): Recognised | undefined {
  const subjectStart = s.words[0] === 'an' || s.words[0] === 'a' || s.words[0] === 'the' ? 1 : 0;
  const expired = s.words[subjectStart] === 'expired';
  const subject = nounAfter(s, expired ? subjectStart + 1 : 0);
  if (!subject) return undefined;
  let entity = subject.name;
  const no = negation(s);

  if (expired && no) {
    const verb = verbFrom(s, no.after);
    const anchor = s.attributes.find((m) => ownerOf(m.name) === entity && /expir/i.test(m.name));
    const fallback = s.entityOf(entity)?.attributes.find((a) => /expir/i.test(a.name));
    const name = anchor ? attributeFor(anchor.name, entity) : fallback?.name;
    if (!verb || !name) return undefined;
    return { entity, rule: { kind: 'time-window', action: verb.verb, relation: 'before', anchor: name } };
  }

  const at = s.words.findIndex((w) => windowWords.has(w));
  if (at < 0) return undefined;
  const anchor = s.attributes.find((m) => m.start > at && isTime(s, m.name));
  if (!anchor) return undefined;
  // "up to 24 hours before", "until 2 hours before": the offset is in front of the last window word.
  const last = s.words.findIndex((w, i) => i >= at && (w === 'before' || w === 'after') && i < anchor.start);
  const windowAt = last >= 0 ? last : at;
  let offset: { amount: number; unit: NonNullable<ReturnType<typeof unitOf>> } | undefined;
  const unit = unitOf(s.words[windowAt - 1]);
  const amount = numberOf(s.words[windowAt - 2]);
  if (unit && amount !== undefined) offset = { amount, unit };
  const negated = no !== undefined && no.start < windowAt;
  const after = s.words[windowAt] === 'after';
  const relation = after !== negated ? 'after' : 'before';
  // The action: the verb after the modal ("can be cancelled", "are only accepted", "can only register").
  const modal = s.words.findIndex(
    (w, i) =>
      i > subject.index && i < windowAt && ['can', 'may', 'must', 'cannot', "can't", 'are', 'is'].includes(w),
  );
  const verb = modal >= 0 ? verbFrom(s, no && no.start === modal ? no.after : modal + 1) : undefined;
  if (!verb || verb.index >= windowAt) return undefined;
  const action = verb.verb;
  // "Students may cancel a tutorial ...": someone acting on a record; the rule is about the record.
  if (!verb.passive && s.roles.some((r) => r.name === entity)) {
    const object = nounAfter(s, verb.index + 1);
    if (object && object.index < windowAt) entity = object.name;
  }
  const anchorName = attributeFor(anchor.name, entity);
  // "A booking must end after it starts": the record's own end compared with its start, not a window for an action.
  const own = ownPeriodSide(s, entity, action);
  if (own && own !== anchorName && !offset) {
    return {
      entity,
      rule: { kind: 'comparison', left: own, operator: relation === 'after' ? '>' : '<', right: anchorName },
    };
  }
  return {
    entity,
    rule: { kind: 'time-window', action, relation, anchor: anchorName, ...(offset ? { offset } : {}) },
  };
}

/** The start or end attribute a verb of the record's own period names ("end" -> endTime), if the record has one. */
function ownPeriodSide(s: RuleSentence, entity: string, verb: string): string | undefined {
  const side = ['end', 'finish', 'close'].includes(verb)
    ? 'end'
    : ['start', 'begin', 'open'].includes(verb)
      ? 'start'
      : '';
  if (!side) return undefined;
  const dated = (s.entityOf(entity)?.attributes ?? []).filter(
    (a) => a.type === 'date' || a.type === 'datetime',
  );
  return dated.find(
    (a) => a.name.toLowerCase().startsWith(side) || a.name.endsWith(side === 'end' ? 'End' : 'Start'),
  )?.name;
}

function isTime(s: RuleSentence, qualified: string): boolean {
  const [owner, name] = qualified.split('.');
  const attribute = s.entityOf(owner)?.attributes.find((a) => a.name === name);
  return attribute
    ? ['date', 'datetime'].includes(attribute.type) || /(At|Date|Time|start|end|deadline)$/i.test(name)
    : false;
}
