import type { AgentContext } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { compileBicep, type CompileOptions } from './compileBicep';

/**
 * Gate criterion: the product's Bicep (artifact `product-bicep`) compiles with the Bicep CLI. Errors fail it;
 * warnings are findings but do not. Without a CLI the criterion passes with value `skipped` and a finding that
 * says the templates were not compiled, so nobody mistakes it for a successful compile.
 */
export async function productBicepCriterion(
  ctx: AgentContext,
  options: CompileOptions = {},
): Promise<GateCriterion> {
  const name = 'product Bicep compiles';
  const inputs = ctx.inputs('product-bicep');
  if (inputs.length === 0)
    return {
      name,
      value: 0,
      threshold: 1,
      passed: false,
      findings: [
        'no product-bicep folder was produced: the Infrastructure Engineer must write infra/main.bicep',
      ],
    };
  const input = inputs[inputs.length - 1];
  const index = await input.json<{ folder: string }>();
  const result = await compileBicep(await ctx.readFolder(input.ref), options);
  if (result.skipped)
    return {
      name,
      value: 'skipped',
      threshold: 'compiled',
      passed: true,
      findings: [`Bicep was not compiled: ${result.reason}`],
    };
  const findings = result.diagnostics.map(
    (d) => `${index.folder}/${d.file}:${d.line}:${d.column} ${d.level} ${d.code}: ${d.message}`,
  );
  const errors = result.diagnostics.filter((d) => d.level === 'Error').length;
  return {
    name,
    value: result.ok ? 'compiled' : `${errors} error(s)`,
    threshold: 'compiled',
    passed: result.ok,
    findings,
  };
}
