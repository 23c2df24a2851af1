import { productOf, type AgentDefinition } from '../../core/agent';
import {
  deploymentReportSchema,
  renderDeploymentReport,
  type DeploymentReport,
} from '../blueprint/operations/reports';
import { loadReleasePackage, newestJson } from '../../toolchain/release/productFiles';
import type { SmokeCheck } from '../../core/ports/deploymentTarget';
import type { DeploymentPlan } from '../testing-to-deployment/deploymentOrchestrator';
import type { PreDeploymentCheck } from './preDeploymentValidator';
import type { ProvisioningRecord } from './productionProvisioner';
import { markdownAndJson } from '../runtime/reportFiles';
import { productRoles } from '../../toolchain/backend/rulePlan';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

export const productionDeployer: AgentDefinition<DeploymentReport> = {
  name: 'productionDeployer',
  role: 'Deployment Orchestrator',
  phase: 'deployment-to-production',
  purpose:
    'Deploys the release blue/green: the new version starts beside the serving one, passes health and smoke checks, then takes the traffic; otherwise it is stopped and the old one keeps serving.',
  uses: 'tools',
  reads: [
    'release-package',
    'deployment-plan',
    'pre-deployment-check',
    'provisioning-record',
    'domain-model',
  ],
  writes: ['deployment-report', 'health-check'],
  output: deploymentReportSchema,
  async blueprint(ctx) {
    const release = await loadReleasePackage(ctx);
    const plan = await newestJson<DeploymentPlan>(ctx, 'deployment-plan');
    const pre = await newestJson<PreDeploymentCheck>(ctx, 'pre-deployment-check');
    const provisioning = await newestJson<ProvisioningRecord>(ctx, 'provisioning-record');
    const target = ctx.deploymentTarget();
    const routingFile = target.routingFile?.(ctx.tenantId, productOf(ctx));
    if (pre && !pre.passed) {
      const reason = `pre-deployment validation failed: ${pre.checks
        .filter((c) => !c.passed)
        .map((c) => `${c.name} (${c.detail})`)
        .join('; ')}`;
      return {
        runId: productOf(ctx),
        adapter: target.adapter,
        version: release.manifest.version,
        status: 'failed',
        services: [],
        steps: [],
        health: [],
        smoke: [],
        rollback: { reason, detail: 'nothing was deployed' },
        routingFile,
      };
    }
    const smoke: SmokeCheck[] = (plan?.services ?? []).flatMap((s) =>
      s.smoke.map((line) => ({
        service: s.service,
        method: 'GET' as const,
        path: line.replace(/^GET\s+/, ''),
        expect: [200],
      })),
    );
    const outcome = await target.deploy({
      tenantId: ctx.tenantId,
      runId: productOf(ctx),
      version: release.manifest.version,
      archive: release.archive,
      services: release.manifest.services,
      smoke,
      infrastructure: provisioning?.template
        ? { template: provisioning.template, parameters: provisioning.parameters ?? {} }
        : undefined,
      healthTimeoutMs: plan?.healthChecks.timeoutMs,
      roles: ctx.inputs('domain-model').length
        ? productRoles(domainModelSchema.parse(await ctx.inputJson('domain-model')).contexts)
        : [],
    });
    ctx.log(`deployment of ${outcome.version}: ${outcome.status}`);
    return { ...outcome, runId: productOf(ctx), routingFile };
  },
  artifacts(report) {
    return [
      ...markdownAndJson(
        'production/deployment-report',
        'deployment-report',
        renderDeploymentReport('Deployment', report),
        report,
      ),
      {
        path: 'production/health-check-deploy.json',
        kind: 'health-check',
        contentType: 'application/json',
        content:
          JSON.stringify(
            { stage: 'deployment', version: report.version, checks: [...report.health, ...report.smoke] },
            null,
            2,
          ) + '\n',
      },
    ];
  },
};
