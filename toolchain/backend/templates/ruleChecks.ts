import type { ServiceEntity, ServiceModel } from '../model';
import {
  millisecondsIn,
  runsOn,
  type Check,
  type Operand,
  type PlannedRule,
  type Trigger,
} from '../rulePlan';
import { commentText } from '../../escaping/commentText';
import { policyFunction } from '../rulePolicies';
import { tsLiteral } from '../../escaping/tsLiteral';

const q = tsLiteral;

/**
 * The rules whose check runs on the records of this entity's use case for a trigger (derived amounts are computed
 * and effects applied, not checked; who may act is checked before any record is read, by `permissionLines`).
 */
export function rulesFor(model: ServiceModel, entity: ServiceEntity, trigger: Trigger): PlannedRule[] {
  return (
    model.rules.enforced
      .filter(
        (rule) =>
          rule.hook === entity.name &&
          rule.check.kind !== 'derived-amount' &&
          rule.check.kind !== 'effect' &&
          rule.check.kind !== 'permission' &&
          runsOn(rule, trigger),
      )
      // Who may act on the record is settled before anything about its data.
      .sort((a, b) => Number(b.check.kind === 'ownership') - Number(a.check.kind === 'ownership'))
  );
}

/** The rules about who may act on this entity for a trigger. */
export function permissionsFor(model: ServiceModel, entity: ServiceEntity, trigger: Trigger): PlannedRule[] {
  return model.rules.enforced.filter(
    (rule) => rule.hook === entity.name && rule.check.kind === 'permission' && runsOn(rule, trigger),
  );
}

/**
 * Statements that refuse a caller (`actor`) whose token grants none of a rule's roles, with 403 naming the rule.
 * They run first: a caller who may not act learns nothing about the records, not even whether one exists.
 */
export function permissionLines(model: ServiceModel, entity: ServiceEntity, trigger: Trigger): string[] {
  return permissionsFor(model, entity, trigger).flatMap((rule) => {
    if (rule.check.kind !== 'permission') return [];
    const roles = rule.check.roles;
    const who =
      roles.length === 1
        ? `the role ${roles[0]}`
        : `the role ${roles.slice(0, -1).join(', ')} or ${roles.at(-1)}`;
    return [
      `    // ${rule.id}: ${commentText(rule.text)}`,
      `    ensure((${q(roles)} as readonly string[]).some((role) => actor.roles.includes(role)), rules[${q(rule.id)}], 403, ${q(`only callers with ${who} may do this`)});`,
    ];
  });
}

/** Which policy helpers a use-case file needs, so it imports exactly those. */
export function helpersUsed(rules: PlannedRule[]): string[] {
  const used = new Set<string>(rules.length > 0 ? ['ensure'] : []);
  for (const { check } of rules) {
    if (check.kind === 'frequency-limit') used.add('inSamePeriod');
    if (check.kind === 'no-overlap') used.add('overlaps');
    if (check.kind === 'time-window') used.add('instant');
    if (check.kind === 'comparison') {
      used.add('holds');
      for (const side of [check.left, check.right]) {
        if (side.kind === 'attribute' || side.kind === 'related') used.add('comparable');
        if (side.kind === 'duration') used.add('durationIn');
      }
    }
  }
  return [...used].sort();
}

/** The imports of the policy functions these rules call (written by the model, in `src/domain/rulePolicies/`). */
export function policyImports(rules: PlannedRule[]): string[] {
  const called = [
    ...new Set(rules.filter((r) => r.check.kind === 'policy').map((r) => policyFunction(r.id))),
  ];
  return called.sort().map((fn) => `import { ${fn} } from '../domain/rulePolicies/${fn}';`);
}

/** `rules` constant of a use-case file: each rule's id and sentence as data, for problem details. */
export function ruleTable(rules: PlannedRule[]): string[] {
  const unique = [...new Map(rules.map((rule) => [rule.id, rule])).values()];
  return [
    'const rules = {',
    ...unique.map((rule) => `  ${q(rule.id)}: { id: ${q(rule.id)}, statement: ${q(rule.text)} },`),
    '} as const;',
  ];
}

const words: Record<string, string> = {
  '<': 'less than',
  '<=': 'at most',
  '>': 'more than',
  '>=': 'at least',
  '=': 'equal to',
};

/** The expression reaching another entity's repository from a use case of `entity`. */
export function repositoryOf(model: ServiceModel, entity: ServiceEntity, name: string): string {
  const target = model.entities.find((e) => e.name === name);
  if (!target) throw new Error(`a rule of ${entity.name} refers to ${name}, which is not in the service`);
  return target.name === entity.name ? 'this.deps.repository' : `this.deps.repositories.${target.plural}`;
}

export interface OperandCode {
  code: string;
  label: string;
  /** Values that must be present for the comparison to apply (an optional attribute left empty skips it). */
  present: string[];
  /** Statements that load a related record first. */
  loads: string[];
}

export function operandCode(
  operand: Operand,
  record: string,
  repository: (entity: string) => string,
): OperandCode {
  switch (operand.kind) {
    case 'number':
      return { code: String(operand.value), label: String(operand.value), present: [], loads: [] };
    case 'attribute':
      return {
        code: `comparable(${record}.${operand.name})`,
        label: operand.name,
        present: [`${record}.${operand.name}`],
        loads: [],
      };
    case 'related': {
      const holder = `${operand.entity[0].toLowerCase()}${operand.entity.slice(1)}`;
      return {
        code: `comparable(${holder}.${operand.name})`,
        label: `the ${operand.entity}'s ${operand.name}`,
        present: [`${holder}?.${operand.name}`],
        loads: [
          `const ${holder} = ${record}.${operand.via} === undefined ? undefined : await ${repository(operand.entity)}.get(${record}.${operand.via});`,
        ],
      };
    }
    case 'duration':
      return {
        code: `durationIn(${record}.${operand.start}, ${record}.${operand.end}, ${millisecondsIn(operand.unit)})`,
        label: `the time from ${operand.start} to ${operand.end} in ${operand.unit}s`,
        present: [`${record}.${operand.start}`, `${record}.${operand.end}`],
        loads: [],
      };
  }
}

/** Statements that refuse the request when `record` (the record written, or the command's record) breaks the rule. */
function checkLines(
  model: ServiceModel,
  entity: ServiceEntity,
  rule: PlannedRule,
  record: string,
  trigger: Trigger,
): string[] {
  const ref = `rules[${q(rule.id)}]`;
  const fail = (detail: string) => `${ref}, ${rule.status}, ${q(detail)}`;
  const check: Check = rule.check;
  const repository = (name: string) => repositoryOf(model, entity, name);
  const others = (key: string) =>
    `(await this.deps.repository.findAll(${q(key)}, ${record}.${key})).filter((other) => other.id !== ${record}.id)`;
  switch (check.kind) {
    case 'count-limit': {
      const states = check.states ? `${q(check.states)} as readonly string[]` : undefined;
      // On a write the record counts only in a counted state; a command checks it before moving it into one.
      const counts = states && trigger.on !== 'command' ? ` && (${states}).includes(${record}.status)` : '';
      return [
        `if (${record}.${check.key} !== undefined${counts}) {`,
        `  const held = ${others(check.key)}${states ? `.filter((other) => (${states}).includes(other.status))` : ''};`,
        `  ensure(held.length < ${check.max}, ${fail(`at most ${check.max} ${entity.entity.plural} per ${check.key}`)});`,
        '}',
      ];
    }
    case 'frequency-limit':
      return [
        `if (${record}.${check.key} !== undefined) {`,
        `  const now = this.deps.clock.now();`,
        `  const recent = ${others(check.key)}.filter((other) => inSamePeriod(other.createdAt, now, ${q(check.period)}));`,
        `  ensure(recent.length < ${check.max}, ${fail(`at most ${check.max} ${entity.entity.plural} per ${check.key} per ${check.period}`)});`,
        '}',
      ];
    case 'state-guard': {
      const states = `(${q(check.states)} as readonly string[])`;
      if (!check.related) {
        return [
          `ensure(!${states}.includes(${record}.status), ${fail(`not allowed while the ${entity.name} is ${check.states.join(' or ')}`)});`,
        ];
      }
      return [
        `if (${record}.${check.related.via} !== undefined) {`,
        `  const related = await ${repository(check.related.entity)}.get(${record}.${check.related.via});`,
        `  ensure(!(related && ${states}.includes(related.status)), ${fail(`not allowed while the ${check.related.entity} is ${check.states.join(' or ')}`)});`,
        '}',
      ];
    }
    case 'in-use': {
      const { holder, states } = check;
      const counted = states ? ` && (${q(states)} as readonly string[]).includes(other.status)` : '';
      const detail = `not allowed while ${states ? `a ${holder.entity} of it is ${states.join(' or ')}` : `it has a ${holder.entity}`}`;
      return [
        `if (${record}.${check.via} !== undefined) {`,
        `  const holding = (await ${repository(holder.entity)}.findAll(${q(holder.via)}, ${record}.${check.via})).filter((other) => other.id !== ${record}.id${counted});`,
        `  ensure(holding.length === 0, ${fail(detail)});`,
        '}',
      ];
    }
    case 'uniqueness': {
      const [first, ...rest] = check.fields;
      const scoped = check.key ? [...rest, check.key] : rest;
      const same = scoped.map((field) => ` && other.${field} === ${record}.${field}`).join('');
      return [
        `if (${[...check.fields, ...(check.key ? [check.key] : [])].map((f) => `${record}.${f} !== undefined`).join(' && ')}) {`,
        `  const clash = ${others(first)}.find((other) => true${same});`,
        `  ensure(clash === undefined, ${fail(`${check.fields.join(' and ')} already used by another ${entity.name}${check.key ? ` with the same ${check.key}` : ''}`)});`,
        '}',
      ];
    }
    case 'no-overlap': {
      const { key, start, end } = check;
      return [
        `if (${record}.${key} !== undefined && ${record}.${start} !== undefined && ${record}.${end} !== undefined) {`,
        `  const { ${start}: start, ${end}: end } = ${record};`,
        `  const clash = ${others(key)}.find(`,
        `    (other) => other.${start} !== undefined && other.${end} !== undefined && overlaps(start, end, other.${start}, other.${end}),`,
        '  );',
        `  ensure(clash === undefined, ${fail(`overlaps another ${entity.name} with the same ${key}`)});`,
        '}',
      ];
    }
    case 'comparison': {
      const left = operandCode(check.left, record, repository);
      const right = operandCode(check.right, record, repository);
      const present = [...new Set([...left.present, ...right.present])];
      const guard = present.map((value) => `${value} !== undefined`).join(' && ') || 'true';
      return [
        '{',
        ...[...new Set([...left.loads, ...right.loads])].map((line) => `  ${line}`),
        `  if (${guard}) {`,
        `    ensure(holds(${left.code}, ${q(check.operator)}, ${right.code}), ${fail(`${left.label} must be ${words[check.operator]} ${right.label}`)});`,
        '  }',
        '}',
      ];
    }
    case 'time-window': {
      const subject = check.related
        ? [
            `const subject = ${record}.${check.related.via} === undefined ? undefined : await ${repository(check.related.entity)}.get(${record}.${check.related.via});`,
          ]
        : [`const subject = ${record};`];
      const moment =
        check.relation === 'before'
          ? `now <= instant(subject.${check.anchor}, 'end') - ${check.offsetMs}`
          : `now >= instant(subject.${check.anchor}) + ${check.offsetMs}`;
      return [
        '{',
        ...subject.map((line) => `  ${line}`),
        `  if (subject?.${check.anchor} !== undefined) {`,
        `    const now = this.deps.clock.now().getTime();`,
        `    ensure(${moment}, ${fail(`only ${check.relation} ${check.anchor}${check.offsetMs ? ` (with a margin of ${check.offsetMs / 60_000} minutes)` : ''}`)});`,
        '  }',
        '}',
      ];
    }
    case 'derived-amount':
    case 'effect':
      throw new Error(`rule ${rule.id} changes records: written by derivationMethod or effectMethod`);
    case 'permission':
      throw new Error(`rule ${rule.id} is about the caller: written by permissionLines`);
    case 'ownership': {
      const whose = check.related ? `the ${check.related.entity}` : `the ${entity.name}`;
      const holds = (creator: string) =>
        `ensure(${creator} ${check.owner ? '===' : '!=='} actor.subject, ${fail(check.owner ? `only who created ${whose} may do this` : `nobody may do this to ${whose} they created`)});`;
      if (!check.related) return [holds(`${record}.createdBy`)];
      const { entity: owner, via } = check.related;
      // A record that does not exist has no owner: the reference to it is refused by the database's foreign key.
      return [
        `if (${record}.${via} !== undefined) {`,
        `  const owned = await ${repository(owner)}.get(${record}.${via});`,
        `  if (owned) ${holds('owned.createdBy')}`,
        '}',
      ];
    }
    case 'policy':
      return [
        `ensure(${policyFunction(rule.id)}(${record}), ${fail(`the ${entity.name} does not keep this rule`)});`,
      ];
    case 'prerequisite':
      return [
        `{`,
        `  const present = (await ${repository(check.related)}.findAll(${q(check.via)}, ${record}.id)).length;`,
        `  ensure(present >= ${check.min}, ${fail(`needs at least ${check.min} ${check.related} records first`)});`,
        '}',
      ];
  }
}

/** A private method of the use-case class that runs every rule of one trigger, or nothing when it has none. */
export function ruleMethod(
  model: ServiceModel,
  entity: ServiceEntity,
  trigger: Trigger,
  method: string,
): string[] {
  const rules = rulesFor(model, entity, trigger);
  if (rules.length === 0) return [];
  const body = rules.flatMap((rule) => [
    `    // ${rule.id}: ${commentText(rule.text)}`,
    ...checkLines(model, entity, rule, 'record', trigger).map((line) => `    ${line}`),
  ]);
  return [
    '',
    `  private async ${method}(record: ${entity.name}, actor: ports.Actor): Promise<void> {`,
    ...body,
    '  }',
  ];
}
