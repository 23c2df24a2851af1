import { z } from 'zod';
import { productOf, type AgentDefinition } from '../../core/agent';
import { loadReleasePackage, newestJson, verifyPackage } from '../../toolchain/release/productFiles';
import type { DeploymentPlan } from '../testing-to-deployment/deploymentOrchestrator';

export const preDeploymentSchema = z.object({
  version: z.string(),
  target: z.string(),
  liveVersion: z.string().optional(),
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string() })),
  passed: z.boolean(),
});
export type PreDeploymentCheck = z.infer<typeof preDeploymentSchema>;

export const preDeploymentValidator: AgentDefinition<PreDeploymentCheck> = {
  name: 'preDeploymentValidator',
  role: 'Deployment Orchestrator',
  phase: 'deployment-to-production',
  purpose:
    'Validates, right before deploying, that the package read from storage still verifies, the plan was ready and the target answers.',
  uses: 'tools',
  reads: ['release-package', 'deployment-plan'],
  writes: ['pre-deployment-check'],
  output: preDeploymentSchema,
  async blueprint(ctx) {
    const release = await loadReleasePackage(ctx);
    const verification = verifyPackage(release.archive, release.manifest);
    const plan = await newestJson<DeploymentPlan>(ctx, 'deployment-plan');
    const target = ctx.deploymentTarget();
    let live: string | undefined;
    let reachable = { passed: true, detail: '' };
    try {
      const current = await target.current(ctx.tenantId, productOf(ctx));
      live = current?.status === 'live' ? current.version : undefined;
      reachable.detail = live ? `version ${live} serves now` : 'nothing serves yet (first deployment)';
    } catch (error) {
      reachable = { passed: false, detail: (error as Error).message };
    }
    const checks = [
      {
        name: 'package verifies',
        passed: verification.verified,
        detail: verification.verified
          ? `${verification.entriesChecked} files, archive ${release.manifest.archiveSha256.slice(0, 12)}`
          : verification.problems.slice(0, 3).join('; '),
      },
      {
        name: 'deployment plan ready',
        passed: Boolean(plan?.ready),
        detail: plan
          ? plan.readiness
              .filter((r) => !r.passed)
              .map((r) => r.name)
              .join(', ') || 'all readiness checks passed'
          : 'no deployment plan',
      },
      {
        name: 'plan and package agree on the version',
        passed: plan?.version === release.manifest.version,
        detail: `plan ${plan?.version ?? '-'}, package ${release.manifest.version}`,
      },
      { name: `target ${target.adapter} reachable`, ...reachable },
    ];
    return {
      version: release.manifest.version,
      target: target.adapter,
      liveVersion: live,
      checks,
      passed: checks.every((c) => c.passed),
    };
  },
  artifacts(output) {
    return [
      {
        path: 'production/pre-deployment.json',
        kind: 'pre-deployment-check',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
