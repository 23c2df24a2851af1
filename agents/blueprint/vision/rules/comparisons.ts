import { recordMadeBy, type Recognised } from './limits';
import { negation } from './guards';
import { attributeFor, nounAfter, numberOf, ownerOf, unitOf, type RuleSentence } from './ruleSentence';

type Operator = '<' | '<=' | '>' | '>=' | '=';

/** "Two lessons in the same room must never overlap", "a sitter's visits may not overlap". */
export function recogniseNoOverlap(s: RuleSentence): Recognised | undefined {
  const at = s.words.findIndex((w) => /^overlap/.test(w));
  if (at < 0) return atTheSameTime(s);
  const subject = nounAfter(s, 0);
  // "A berth cannot have two contracts that overlap": the contracts, within the berth.
  const two = s.words.indexOf('two');
  let entity =
    s.words[at] === 'overlapping'
      ? nounAfter(s, at + 1)?.name
      : two > 0 && two < at
        ? nounAfter(s, two + 1)?.name
        : subject?.name;
  // "A car cannot be booked twice for overlapping times": the bookings of the car must not overlap.
  const verb = s.words.slice(0, at).reduce((last, w, i) => (/ed$/.test(w) ? i : last), -1);
  if (!(entity && s.known.has(entity)) && subject && verb > subject.index)
    entity = recordMadeBy(s, verb, subject.name) ?? entity;
  let scope: string | undefined;
  const possessive = subject ? s.words[subject.index + 1] === "'s" : false;
  if (possessive && subject) {
    scope = subject.name;
    entity = nounAfter(s, subject.index + 2)?.name;
  }
  const same = s.words.indexOf('same');
  if (same >= 0) scope = nounAfter(s, same + 1)?.name;
  if (!scope && subject && subject.name !== entity) scope = subject.name;
  if (!entity || !scope) return undefined;
  return { entity, rule: { kind: 'no-overlap', scope } };
}

/** "A vet cannot have two appointments at the same time": the vet's appointments must not overlap. */
function atTheSameTime(s: RuleSentence): Recognised | undefined {
  const text = s.words.join(' ');
  // "... cannot have two appointments at the same time", "a room can only hold one lesson at a time".
  const never = /\b(cannot|can't|may not|must not|never)\b.*\btwo\b.*\bat the same time\b/.test(text);
  const single = /\bonly (hold|have|host|take)s? one\b.*\bat (a|the same) time\b/.test(text);
  if (!never && !single) return undefined;
  const subject = nounAfter(s, 0);
  const count = s.words.indexOf(never ? 'two' : 'one');
  const entity = nounAfter(s, count + 1);
  if (!subject || !entity || entity.name === subject.name || !s.known.has(entity.name)) return undefined;
  return { entity: entity.name, rule: { kind: 'no-overlap', scope: subject.name } };
}

/** "Every microchip number must be unique", "no two tickets for the same event may share a seat number". */
export function recogniseUniqueness(s: RuleSentence): Recognised | undefined {
  const text = s.words.join(' ');
  if (!/\bunique\b|\bonly be used once\b|\bno two\b.*\b(share|have the same)\b|\bused only once\b/.test(text))
    return undefined;
  const first = s.attributes[0];
  if (!first) return undefined;
  const entity = ownerOf(first.name);
  const attributes = [
    ...new Set(
      s.attributes.filter((m) => ownerOf(m.name) === entity).map((m) => attributeFor(m.name, entity)),
    ),
  ];
  let scope: string | undefined;
  for (let i = 0; i < s.words.length; i++) {
    const w = s.words[i];
    const next = s.words[i + 1];
    if ((w === 'within' || w === 'per' || (w === 'same' && i > 0)) && next) {
      const noun = nounAfter(s, i + 1);
      if (noun && noun.name !== entity) scope = noun.name;
    }
  }
  return { entity, rule: { kind: 'uniqueness', attributes, ...(scope ? { scope } : {}) } };
}

/** The comparison a phrase states, and where its right-hand side starts. */
function operatorOf(s: RuleSentence): { operator: Operator; start: number; after: number } | undefined {
  const denied = negation(s) !== undefined || /\b(no|not)\b/.test(s.words.join(' '));
  const flip = (op: Operator): Operator => (op === '>' ? '<=' : op === '<' ? '>=' : op);
  const patterns: Array<[string[], Operator]> = [
    [['at', 'most'], '<='],
    [['at', 'least'], '>='],
    [['no', 'longer', 'than'], '<='],
    [['no', 'more', 'than'], '<='],
    [['not', 'be', 'greater', 'than'], '<='],
    [['greater', 'than'], '>'],
    [['more', 'than'], '>'],
    [['longer', 'than'], '>'],
    [['less', 'than'], '<'],
    [['later', 'than'], '>'],
    [['earlier', 'than'], '<'],
    [['fewer', 'than'], '<'],
    [['exceed'], '>'],
    [['exceeds'], '>'],
    [['equal', 'to'], '='],
    [['equals'], '='],
    [['after'], '>'],
    [['before'], '<'],
  ];
  for (let i = 0; i < s.words.length; i++) {
    for (const [phrase, op] of patterns) {
      if (!phrase.every((w, k) => s.words[i + k] === w)) continue;
      const fixed = ['at', 'no', 'not', 'equal', 'equals'].includes(phrase[0]);
      return { operator: fixed || !denied ? op : flip(op), start: i, after: i + phrase.length };
    }
  }
  return undefined;
}

/** "attendees may not exceed the room's capacity", "must end after it starts", "at most 4 hours long". */
export function recogniseComparison(s: RuleSentence): Recognised | undefined {
  // A comparison is a rule only when the sentence says what must or may be; "returned after its due date is late"
  // describes, it does not constrain.
  if (
    !/\b(must|may|can|cannot|can't|should|never|not|no|at most|at least|only|lasts?)\b/.test(
      s.words.join(' '),
    )
  )
    return undefined;
  const op = operatorOf(s);
  if (!op) return undefined;
  const amount = numberOf(s.words[op.after]);
  const unit = unitOf(s.words[op.after + 1]);
  const subject = nounAfter(s, 0);
  if (amount !== undefined && unit && subject) {
    return {
      entity: subject.name,
      rule: { kind: 'comparison', left: 'duration', operator: op.operator, right: amount, unit },
    };
  }
  // "An order may contain at most 5 packets": the number, then the attribute it bounds.
  const counted = s.attributes.find((m) => m.start === op.after + 1);
  if (amount !== undefined && counted && subject && ownerOf(counted.name) === subject.name) {
    const entity = subject.name;
    return {
      entity,
      rule: {
        kind: 'comparison',
        left: attributeFor(counted.name, entity),
        operator: op.operator,
        right: amount,
      },
    };
  }
  const left = [...s.attributes].filter((m) => m.start < op.start).pop();
  if (!left) return undefined;
  const entity = ownerOf(left.name);
  const rightAttribute = s.attributes.find((m) => m.start >= op.after && m.name !== left.name);
  if (rightAttribute)
    return {
      entity,
      rule: {
        kind: 'comparison',
        left: attributeFor(left.name, entity),
        operator: op.operator,
        right: attributeFor(rightAttribute.name, entity),
      },
    };
  if (amount === undefined) return undefined;
  return {
    entity,
    rule: { kind: 'comparison', left: attributeFor(left.name, entity), operator: op.operator, right: amount },
  };
}
