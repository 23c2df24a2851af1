import type { AgentContext } from '../../../core/agent';
import type { SmokeCheck } from '../../../platform/deployment';
import { domainModelSchema } from '../../../toolchain/schemas/domainModel';
import { driverTargets } from '../../../toolchain/testing/drive';
import type { DriverTarget } from '../../../toolchain/testing/drivers';

/**
 * Smoke checks for each service: every parameterless GET of its OpenAPI document (the health endpoint and the
 * collection lists), expecting 200. Without a document, the health endpoint alone.
 */
export async function smokeChecks(ctx: AgentContext, services: string[]): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  for (const service of services) {
    const doc = ctx.inputs('openapi').find((i) => i.ref.path.endsWith(`/${service}.openapi.json`));
    const paths = doc
      ? Object.entries((await doc.json<{ paths?: Record<string, Record<string, unknown>> }>()).paths ?? {})
      : [];
    const gets = paths
      .filter(([path, ops]) => !path.includes('{') && ops && 'get' in ops)
      .map(([path]) => path);
    for (const path of gets.length ? gets : ['/health'])
      checks.push({ service, method: 'GET', path, expect: [200] });
  }
  return checks;
}

/**
 * Create-then-read targets of each service for integration tests against the deployed product (the domain model
 * read once for all of them).
 */
export async function integrationTargets(
  ctx: AgentContext,
  services: string[],
): Promise<Map<string, DriverTarget[]>> {
  if (!ctx.inputs('domain-model').length) return new Map();
  const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
  return new Map(services.map((service) => [service, driverTargets(model, service)]));
}
