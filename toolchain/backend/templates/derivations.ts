import type { ServiceEntity, ServiceModel } from '../model';
import { millisecondsIn, type PlannedRule, type Term } from '../rulePlan';
import { commentText } from '../../escaping/commentText';
import { tsLiteral } from '../../escaping/tsLiteral';
import { operandCode, repositoryOf, type OperandCode } from './ruleChecks';

const q = tsLiteral;

/** The derived-amount rules computed in this entity's writes. */
export function derivationsFor(model: ServiceModel, entity: ServiceEntity): PlannedRule[] {
  return model.rules.enforced.filter(
    (rule) => rule.hook === entity.name && rule.check.kind === 'derived-amount',
  );
}

/** The code of one term: a value read as a number, or a whole count of periods for `days`, `hours`... */
function termCode(term: Term, entity: ServiceEntity, model: ServiceModel): OperandCode {
  if (term.kind === 'symbol') return { code: term.symbol, label: term.symbol, present: [], loads: [] };
  if (term.kind === 'number')
    return { code: String(term.value), label: String(term.value), present: [], loads: [] };
  const { operand } = term;
  if (operand.kind === 'duration') {
    return {
      code: `spanIn(record.${operand.start}, record.${operand.end}, ${millisecondsIn(operand.unit)})`,
      label: `${operand.unit}s`,
      present: [`record.${operand.start}`, `record.${operand.end}`],
      loads: [],
    };
  }
  const read = operandCode(operand, 'record', (name) => repositoryOf(model, entity, name));
  return { ...read, code: read.code.replace(/^comparable\((.*)\)$/, 'Number($1)') };
}

/**
 * `derive(record)`: the amounts the vision defines ("the price is the daily rate times the days"), computed from
 * the record (and the records it belongs to) on every write. An input left empty leaves the amount empty.
 */
export function derivationMethod(model: ServiceModel, entity: ServiceEntity): string[] {
  const rules = derivationsFor(model, entity);
  if (rules.length === 0) return [];
  const body = rules.flatMap((rule) => {
    if (rule.check.kind !== 'derived-amount') return [];
    const { attribute, type, terms } = rule.check;
    const parts = terms.map((term) => termCode(term, entity, model));
    const loads = [...new Set(parts.flatMap((p) => p.loads))];
    const present = [...new Set(parts.flatMap((p) => p.present))];
    const format = type === 'money' ? 'money(value)' : type === 'integer' ? 'Math.round(value)' : 'value';
    return [
      `    // ${rule.id}: ${commentText(rule.text)}`,
      '    {',
      ...loads.map((line) => `      ${line}`),
      `      if (${present.map((p) => `${p} !== undefined`).join(' && ') || 'true'}) {`,
      `        const value = ${parts.map((p) => p.code).join(' ')};`,
      // A division by zero has no amount: the write is refused rather than storing Infinity.
      `        ensure(Number.isFinite(value), rules[${q(rule.id)}], 422, ${q(`${attribute} cannot be computed from its inputs`)});`,
      `        derived = { ...derived, ${attribute}: ${format} };`,
      '      }',
      '    }',
    ];
  });
  return [
    '',
    `  /** The amounts the vision defines, computed on every write; clients cannot set them. */`,
    `  private async derive(record: ${entity.name}): Promise<${entity.name}> {`,
    '    let derived = record;',
    ...body,
    '    return derived;',
    '  }',
  ];
}

/** Policy helpers the derivations of a use-case file use. */
export function derivationHelpers(rules: PlannedRule[]): string[] {
  const used = new Set<string>(rules.some((r) => r.check.kind === 'derived-amount') ? ['ensure'] : []);
  for (const { check } of rules) {
    if (check.kind !== 'derived-amount') continue;
    if (check.type === 'money') used.add('money');
    if (check.terms.some((t) => t.kind === 'value' && t.operand.kind === 'duration')) used.add('spanIn');
  }
  return [...used];
}
