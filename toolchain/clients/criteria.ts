import type { AgentContext } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { formatDiagnostic, typeCheckFolder } from './typeCheck';

/**
 * Gate criterion: the web app (`frontend-source`) and the mobile app (`mobile-source`) each type-check with
 * their own strict tsconfig (lib DOM) against the generated API client. Value = apps that type-check,
 * threshold = 2; each diagnostic is a finding naming file, line and TypeScript error code.
 */
export async function clientsTypeCheckCriterion(ctx: AgentContext): Promise<GateCriterion> {
  const findings: string[] = [];
  let passing = 0;
  for (const kind of ['frontend-source', 'mobile-source'] as const) {
    const inputs = ctx.inputs(kind);
    if (inputs.length === 0) {
      findings.push(`no ${kind} folder was produced`);
      continue;
    }
    const input = inputs[inputs.length - 1];
    const index = await input.json<{ folder: string }>();
    const result = typeCheckFolder(await ctx.readFolder(input.ref));
    if (result.ok) passing += 1;
    findings.push(
      ...result.diagnostics
        .filter((d) => d.category === 'error')
        .map((d) => `${index.folder}/${formatDiagnostic(d)}`),
    );
  }
  return {
    name: 'web and mobile apps type-check',
    value: passing,
    threshold: 2,
    passed: passing === 2,
    findings,
  };
}
