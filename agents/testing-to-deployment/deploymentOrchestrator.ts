import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { smokeChecks } from '../blueprint/operations/checks';
import { loadReleasePackage, newestJson, verifyPackage } from '../../toolchain/release/productFiles';
import type { ProvisioningPlan } from './cloudProvisioner';
import type { SecurityReport } from './securityEngineer';
import type { ObservabilityConfig } from './observabilityEngineer';

const check = z.object({ name: z.string(), passed: z.boolean(), detail: z.string() });

export const deploymentPlanSchema = z.object({
  version: z.string(),
  environment: z.object({
    name: z.literal('production'),
    target: z.string(),
    strategy: z.literal('blue-green'),
  }),
  services: z.array(
    z.object({ service: z.string(), healthPath: z.literal('/health'), smoke: z.array(z.string()) }),
  ),
  dependencies: z.array(z.object({ name: z.string(), kind: z.string(), provisionedBy: z.string() })),
  configuration: z.array(z.object({ name: z.string(), source: z.string() })),
  healthChecks: z.object({ path: z.literal('/health'), timeoutMs: z.number(), expect: z.number() }),
  rollbackPlan: z.array(z.string()),
  readiness: z.array(check),
  ready: z.boolean(),
});
export type DeploymentPlan = z.infer<typeof deploymentPlanSchema>;

export const deploymentOrchestrator: AgentDefinition<DeploymentPlan> = {
  name: 'deploymentOrchestrator',
  role: 'Deployment Orchestrator',
  phase: 'testing-to-deployment',
  purpose:
    'Checks deployment readiness (environment, dependencies, configuration, health checks, rollback plan) and writes the deployment plan.',
  uses: 'compiler',
  reads: [
    'release-package',
    'release-notes',
    'provisioning-plan',
    'security-report',
    'observability-config',
    'pipeline',
    'openapi',
    'product-bicep',
    'service-source',
  ],
  writes: ['deployment-plan'],
  output: deploymentPlanSchema,
  async blueprint(ctx) {
    const release = await loadReleasePackage(ctx);
    const verification = verifyPackage(release.archive, release.manifest);
    const plan = await newestJson<ProvisioningPlan>(ctx, 'provisioning-plan');
    const security = await newestJson<SecurityReport>(ctx, 'security-report');
    const observability = await newestJson<ObservabilityConfig>(ctx, 'observability-config');
    const pipeline = await newestJson<{ validation?: { findings: string[] } }>(ctx, 'pipeline');
    const services = release.manifest.services;
    const smoke = await smokeChecks(ctx, services);
    const prod = plan?.environments.find((e) => e.name === 'prod') ?? plan?.environments[0];
    const dependencies = (prod?.resources ?? [])
      .filter((r) => r.action !== 'Reference existing' && !r.type.startsWith('Microsoft.Authorization/'))
      .map((r) => ({ name: r.symbol, kind: r.type, provisionedBy: `infra/${r.module}` }));
    let configuration: DeploymentPlan['configuration'] = [];
    const settingsInput = ctx.inputs('product-bicep');
    if (settingsInput.length) {
      const infra = await ctx.readFolder(settingsInput[settingsInput.length - 1].ref);
      const settings = infra.find((f) => f.path === 'config/app-settings.json');
      if (settings)
        configuration = (
          (JSON.parse(settings.content.toString('utf8')) as { settings?: string[] }).settings ?? []
        ).map((name) => ({ name, source: 'deployment output (infra/main.bicep)' }));
    }
    const target = ctx.deploymentTarget().adapter;
    const readiness = [
      {
        name: 'package verified',
        passed: verification.verified,
        detail: verification.verified
          ? `${verification.entriesChecked} files match their sha256`
          : verification.problems.slice(0, 3).join('; '),
      },
      {
        name: 'no high-severity security finding',
        passed: (security?.summary.high ?? 1) === 0,
        detail: security
          ? `${security.summary.high} high, ${security.summary.medium} medium`
          : 'no security report',
      },
      {
        name: 'environment planned',
        passed: Boolean(prod),
        detail: prod ? `${prod.name}: ${prod.resources.length} resources` : 'no provisioning plan',
      },
      {
        name: 'services to deploy',
        passed: services.length > 0,
        detail: services.join(', ') || 'the package has no services',
      },
      {
        name: 'health check and smoke tests per service',
        passed: services.every((s) => smoke.some((c) => c.service === s)),
        detail: `${smoke.length} smoke checks`,
      },
      {
        name: 'pipeline valid',
        passed: (pipeline?.validation?.findings.length ?? 1) === 0,
        detail: pipeline ? `${pipeline.validation?.findings.length ?? 0} findings` : 'no pipeline',
      },
      {
        name: 'alerts defined',
        passed: Boolean(observability?.alerts.length),
        detail: `${observability?.alerts.length ?? 0} alert rules`,
      },
    ];
    return {
      version: release.manifest.version,
      environment: { name: 'production', target, strategy: 'blue-green' },
      services: services.map((s) => ({
        service: s,
        healthPath: '/health',
        smoke: smoke.filter((c) => c.service === s).map((c) => `${c.method} ${c.path}`),
      })),
      dependencies,
      configuration,
      healthChecks: { path: '/health', timeoutMs: 10_000, expect: 200 },
      rollbackPlan: [
        'Start the new version beside the serving one; it takes no traffic yet.',
        'Health check and smoke tests against the new version; on any failure stop it: the serving version never stopped.',
        'Switch the routing entry (current.json locally, the ARM deployment in Azure) only after both pass.',
        'Post-deployment validation failing after the switch: restart the previous version from its kept build and switch back.',
      ],
      readiness,
      ready: readiness.every((r) => r.passed),
    };
  },
  artifacts(plan) {
    return [
      {
        path: 'deployment/plan.json',
        kind: 'deployment-plan',
        contentType: 'application/json',
        content: JSON.stringify(plan, null, 2) + '\n',
      },
    ];
  },
};
