import type { AgentContext } from '../core/agent';
import { compileService } from '../toolchain/backend/compileService';
import { implementedRoutes, missingOperations } from '../toolchain/backend/routeTable';
import { describeDiagnostics, loadServices, type ServiceSources } from '../toolchain/testing/services';
import { clientsTypeCheckCriterion } from '../toolchain/clients/criteria';
import { migrationsApplyCriterion } from '../toolchain/database/criteria';
import { previousRelease } from '../agents/blueprint/change/previousRelease';
import { productBicepCriterion } from '../toolchain/infrastructure/criteria';
import { rulesEnforcedCriterion } from '../toolchain/backend/ruleCriteria';
import { atLeast, noFindings, type GateCriterion, type GateDefinition } from '../core/gate';

/**
 * One criterion of the gate. The same shape as `migrationsApplyCriterion` (agents/blueprint/database) and
 * `productBicepCriterion` (agents/blueprint/infrastructure), so any of them joins the list below as one line.
 */
export type DevelopmentCriterion = (ctx: AgentContext) => Promise<GateCriterion>;

// Several criteria read the same service folders; one gate evaluation loads them once.
const loaded = new WeakMap<AgentContext, Promise<ServiceSources[]>>();
function services(ctx: AgentContext): Promise<ServiceSources[]> {
  let found = loaded.get(ctx);
  if (!found) loaded.set(ctx, (found = loadServices(ctx)));
  return found;
}

export const atLeastOneService: DevelopmentCriterion = async (ctx) => {
  const all = await services(ctx);
  return atLeast(
    'backend services generated',
    all.length,
    1,
    all.length ? [] : ['no service-source artifact was produced'],
  );
};

/**
 * Every service type-checks under its strict tsconfig with zero diagnostics; findings are file:line. The check
 * emits too: the testing agents that compile the same sources next then find the build made.
 */
export const servicesTypeCheck: DevelopmentCriterion = async (ctx) => {
  const findings = (await services(ctx)).flatMap((service) =>
    describeDiagnostics(compileService(service.files, { emit: true }).diagnostics).map(
      (d) => `services/${service.slug}/${d}`,
    ),
  );
  return noFindings('service type-check diagnostics', findings);
};

/** Every operation of each context's OpenAPI document has a handler in the service's route table. */
export const everyOperationHasHandler: DevelopmentCriterion = async (ctx) => {
  const all = await services(ctx);
  const findings: string[] = [];
  for (const input of ctx.inputs('openapi')) {
    const slug = /api\/([a-z0-9-]+)\.openapi\.json$/.exec(input.ref.path)?.[1];
    if (!slug) continue;
    const service = all.find((s) => s.slug === slug);
    if (!service) {
      findings.push(`no service was generated for ${input.ref.path} (expected services/${slug})`);
      continue;
    }
    const routes = service.files.find((f) => f.path === 'src/api/routes.ts');
    findings.push(
      ...missingOperations(await input.json(), implementedRoutes(routes?.content ?? ''), `services/${slug}`),
    );
  }
  return noFindings('OpenAPI operations without a handler', findings);
};

/** The gate's criteria, in order; adding one (migrations, Bicep) is one line. */
export const architectureToDevelopmentCriteria: DevelopmentCriterion[] = [
  atLeastOneService,
  servicesTypeCheck,
  everyOperationHasHandler,
  async (ctx) => rulesEnforcedCriterion(ctx, await services(ctx)),
  // Over the rows of the release the run follows, when it follows one.
  async (ctx) => migrationsApplyCriterion(ctx, await previousRelease(ctx)),
  clientsTypeCheckCriterion,
  (ctx) => productBicepCriterion(ctx),
];

export const architectureToDevelopmentGate: GateDefinition = {
  phase: 'architecture-to-development',
  reads: [
    'service-source',
    'domain-model',
    'openapi',
    'migration',
    'previous-domain-model',
    'previous-migrations',
    'frontend-source',
    'mobile-source',
    'product-bicep',
  ],
  async evaluate(ctx) {
    const results: GateCriterion[] = [];
    for (const criterion of architectureToDevelopmentCriteria) results.push(await criterion(ctx));
    return results;
  },
};
