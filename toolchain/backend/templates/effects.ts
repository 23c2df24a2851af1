import type { ServiceEntity, ServiceModel } from '../model';
import { runsOn, type PlannedRule, type Trigger } from '../rulePlan';
import { commentText } from '../../escaping/commentText';
import { tsLiteral } from '../../escaping/tsLiteral';
import { repositoryOf } from './ruleChecks';

const q = tsLiteral;

/** Policy helpers the effects use. */
export function effectHelpers(rules: PlannedRule[]): string[] {
  const effects = rules.filter((r) => r.check.kind === 'effect');
  if (effects.length === 0) return [];
  return [
    'ensure',
    ...(effects.some((r) => r.check.kind === 'effect' && r.check.type === 'money') ? ['money'] : []),
  ];
}

/** The effect rules applied after this entity's trigger ("packing an order lowers the product's stock"). */
export function effectsFor(model: ServiceModel, entity: ServiceEntity, trigger: Trigger): PlannedRule[] {
  return model.rules.enforced.filter(
    (rule) => rule.hook === entity.name && rule.check.kind === 'effect' && runsOn(rule, trigger),
  );
}

/**
 * A private method applying the effects of one trigger to the related records, after the record itself is
 * saved; a related record that does not exist (or has no value yet) is left alone.
 */
export function effectMethod(
  model: ServiceModel,
  entity: ServiceEntity,
  trigger: Trigger,
  method: string,
): string[] {
  const rules = effectsFor(model, entity, trigger);
  if (rules.length === 0) return [];
  const body = rules.flatMap((rule) => {
    if (rule.check.kind !== 'effect') return [];
    const { related, attribute, type, change, by } = rule.check;
    const repository = repositoryOf(model, entity, related.entity);
    const amount = by.kind === 'number' ? String(by.value) : `Number(record.${by.name})`;
    const sign = change === 'increase' ? '+' : '-';
    const stored = type === 'money' ? 'money(value)' : 'value';
    return [
      `    // ${rule.id}: ${commentText(rule.text)}`,
      `    if (record.${related.via} !== undefined${by.kind === 'attribute' ? ` && record.${by.name} !== undefined` : ''}) {`,
      `      const target = await ${repository}.get(record.${related.via});`,
      `      if (target?.${attribute} !== undefined) {`,
      `        const value = Number(target.${attribute}) ${sign} ${amount};`,
      // Never store what is not a number (a stored value that does not parse).
      `        ensure(Number.isFinite(value), rules[${q(rule.id)}], 409, ${q(`the ${related.entity}'s ${attribute} cannot be changed`)});`,
      `        const changed = { ...target, ${attribute}: ${stored}, updatedAt: this.deps.clock.now().toISOString() };`,
      `        await ${repository}.save(changed);`,
      '      }',
      '    }',
    ];
  });
  return [
    '',
    `  /** What the vision says this ${trigger.on === 'command' ? 'command' : 'creation'} changes in other records. */`,
    `  private async ${method}(record: ${entity.name}): Promise<void> {`,
    ...body,
    '  }',
  ];
}
