import { isArithmetic } from '../../../../toolchain/schemas/typedRule';
import type { Recognised } from './limits';
import {
  attributeFor,
  nounAfter,
  numberOf,
  ownerOf,
  unitOf,
  verbOf,
  type RuleSentence,
} from './ruleSentence';

const copulas = ['is', 'equals', 'are', 'costs'];
const operatorWords: Record<string, string> = {
  times: '*',
  x: '*',
  multiplied: '*',
  plus: '+',
  minus: '-',
  divided: '/',
};

/**
 * "The price is the daily rate times the number of days", "the deposit is 20% of the tool's value", "a late
 * return adds a late fee of 2 euros per day": an attribute computed from others.
 */
export function recogniseDerivedAmount(s: RuleSentence): Recognised | undefined {
  const adds = s.words.findIndex((w) => w === 'adds' || w === 'charges');
  if (adds >= 0) return perUnitCharge(s, adds);
  const copula = s.words.findIndex((w) => copulas.includes(w));
  if (copula < 0) return undefined;
  const target = [...s.attributes].filter((m) => m.end <= copula).pop();
  if (!target) return undefined;
  const entity = ownerOf(target.name);
  const terms: string[] = [];
  const inputs: string[] = [];
  let operators = 0;
  for (let i = copula + 1; i < s.words.length; i++) {
    const word = s.words[i];
    const attribute = s.attributes.find((m) => m.start === i && m.name !== target.name);
    if (attribute) {
      const name = attributeFor(attribute.name, entity);
      terms.push(name);
      inputs.push(name);
      i = attribute.end - 1;
      continue;
    }
    const count = numberOf(word);
    if (count !== undefined && word !== 'a' && word !== 'an') {
      if (s.words[i + 1] === 'percent') {
        terms.push(`${count / 100} *`);
        operators++;
        i += s.words[i + 2] === 'of' ? 2 : 1;
        continue;
      }
      const unit = unitOf(s.words[i + 1]);
      // "two months of rent": the number times the rate of that period.
      if (unit && s.words[i + 2] === 'of') {
        terms.push(`${count} *`);
        operators++;
        i += 2;
        continue;
      }
      terms.push(String(count));
      continue;
    }
    if (word === 'number' && s.words[i + 1] === 'of' && unitOf(s.words[i + 2])) {
      const span = `${unitOf(s.words[i + 2])}s`;
      terms.push(span);
      inputs.push(span);
      i += 2;
      continue;
    }
    // "times the days": the whole periods between the record's start and end.
    const period = unitOf(word);
    if (period && word.endsWith('s') && /[-+*/]$/.test(terms[terms.length - 1] ?? '')) {
      terms.push(`${period}s`);
      inputs.push(`${period}s`);
      continue;
    }
    if (operatorWords[word]) {
      terms.push(operatorWords[word]);
      operators++;
      if (s.words[i + 1] === 'by') i++;
    }
  }
  if (operators === 0 || inputs.length === 0) return undefined;
  const expression = terms.join(' ').replace(/\* \*/g, '*').replace(/\*$/, '').trim();
  // Words the reading could not place leave operands side by side: no formula, so the rule stays unsupported.
  if (!isArithmetic(expression)) return undefined;
  return {
    entity,
    rule: { kind: 'derived-amount', attribute: attributeFor(target.name, entity), expression, inputs },
  };
}

/** "adds a late fee of 2 euros per day (late)": a charge per unit of time past a date. */
function perUnitCharge(s: RuleSentence, adds: number): Recognised | undefined {
  const first = s.attributes.find((m) => m.start > adds);
  if (!first) return undefined;
  // "... to the reservation": the charge is that entity's attribute of the same name, when it has one.
  const to = s.words.lastIndexOf('to');
  const holder = to > first.end ? nounAfter(s, to + 1)?.name : undefined;
  const name = first.name.split('.')[1];
  const target =
    holder && s.entityOf(holder)?.attributes.some((a) => a.name === name)
      ? { ...first, name: `${holder}.${name}` }
      : first;
  const per = s.words.indexOf('per', target.end);
  const unit = per >= 0 ? unitOf(s.words[per + 1]) : undefined;
  const amount = s.words
    .slice(target.end, per)
    .map(numberOf)
    .find((n) => n !== undefined);
  if (!unit || amount === undefined) return undefined;
  const entity = ownerOf(target.name);
  const span = `${unit}s`;
  return {
    entity,
    rule: {
      kind: 'derived-amount',
      attribute: attributeFor(target.name, entity),
      expression: `${amount} * ${span}`,
      inputs: [span],
      ...lateSpan(s, entity),
    },
  };
}

/** "per day late", "a late return": the days counted run from the record's due date to its return, when it has both. */
function lateSpan(s: RuleSentence, entity: string): { span?: { from: string; to: string } } {
  if (!s.words.some((w) => w === 'late' || w === 'overdue')) return {};
  const dated = (s.entityOf(entity)?.attributes ?? []).filter(
    (a) => a.type === 'date' || a.type === 'datetime',
  );
  const from = dated.find((a) => /^(due|end)/i.test(a.name) || /(Due|End)(Date|At)?$/.test(a.name));
  const to = dated.find((a) => /^returne?d?/i.test(a.name));
  return from && to ? { span: { from: from.name, to: to.name } } : {};
}

const changes: Record<string, 'increase' | 'decrease'> = {
  reduces: 'decrease',
  lowers: 'decrease',
  decreases: 'decrease',
  subtracts: 'decrease',
  increases: 'increase',
  raises: 'increase',
  adds: 'increase',
};

/** "Shipping an order reduces the stock level of each product by the quantity ordered". */
export function recogniseEffect(s: RuleSentence): Recognised | undefined {
  const at = s.words.findIndex((w) => changes[w]);
  if (at < 0) return undefined;
  const change = changes[s.words[at]];
  const target = s.attributes.find((m) => m.start > at);
  if (!target) return undefined;
  // The action: a gerund or participle before the verb ("Shipping an order", "each recorded donation").
  const actionWord = s.words.slice(0, at).find((w) => /(ing|ed)$/.test(w) && !['each', 'every'].includes(w));
  if (!actionWord) return undefined;
  const action = verbOf(actionWord);
  const subject = nounAfter(s, s.words.indexOf(actionWord) + 1);
  if (!subject) return undefined;
  const entity = subject.name;
  let by: string | number | undefined;
  const byAt = s.words.indexOf('by', target.end);
  if (byAt >= 0) {
    const attribute = s.attributes.find((m) => m.start > byAt);
    by = attribute ? attributeFor(attribute.name, entity) : numberOf(s.words[byAt + 1]);
  } else if (s.words[at] === 'adds') {
    by = numberOf(s.words[at + 1]);
  }
  if (by === undefined) return undefined;
  return {
    entity,
    rule: { kind: 'effect', action, target: attributeFor(target.name, entity), change, by },
  };
}
