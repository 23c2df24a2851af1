import type { AgentContext } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { domainModelSchema } from '../schemas/domainModel';
import { tsLiteral } from '../escaping/tsLiteral';
import type { ServiceSources } from '../testing/services';
import { ruleCoverage } from './ruleCoverage';

/**
 * Gate criterion: every rule the plan enforces is checked by its service's code and, where a scenario can be set
 * up, proven by its acceptance test, in the service folders actually produced (a hand-written or model-written
 * service must keep the same rules). Value = rules found in code, threshold = rules the plan enforces.
 */
export async function rulesEnforcedCriterion(
  ctx: AgentContext,
  services: ServiceSources[],
): Promise<GateCriterion> {
  const name = 'vision rules checked in code and tested';
  const parsed =
    ctx.inputs('domain-model').length > 0
      ? domainModelSchema.safeParse(await ctx.inputJson('domain-model'))
      : undefined;
  if (!parsed?.success) {
    const why = parsed ? 'is not a valid domain model' : 'was not produced';
    return {
      name,
      value: 0,
      threshold: 1,
      passed: false,
      findings: [`the domain model ${why}: rules cannot be checked`],
    };
  }
  const coverage = ruleCoverage(parsed.data);
  const findings: string[] = [];
  let found = 0;
  for (const row of coverage.rows.filter((r) => r.status !== 'not enforced')) {
    const service = services.find((s) => s.slug === row.service);
    const literal = tsLiteral(row.id);
    const checked = service?.files.some(
      (f) => f.path.startsWith('src/application/') && f.content.includes(`rules[${literal}]`),
    );
    const tested = service?.files.some(
      // Each scenario's test is titled with the rule id and its sentence.
      (f) => f.path === 'test/rules.acceptance.test.ts' && f.content.includes(`${literal.slice(0, -1)}: `),
    );
    if (checked) found += 1;
    else
      findings.push(`services/${row.service}: rule ${row.id} ("${row.text}") is not checked by any use case`);
    if (row.status === 'tested' && !tested)
      findings.push(
        `services/${row.service}/test/rules.acceptance.test.ts: no acceptance test for rule ${row.id}`,
      );
  }
  return {
    name,
    value: found,
    threshold: coverage.enforced,
    passed: findings.length === 0,
    findings,
  };
}
