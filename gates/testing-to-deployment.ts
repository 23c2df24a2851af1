import type { DeploymentPlan } from '../agents/testing-to-deployment/deploymentOrchestrator';
import type { PipelineReport } from '../agents/testing-to-deployment/devopsEngineer';
import type { SecurityReport } from '../agents/testing-to-deployment/securityEngineer';
import { loadReleasePackage, newestJson, verifyPackage } from '../toolchain/release/productFiles';
import { noFindings, type GateCriterion, type GateDefinition } from '../core/gate';

/** The release gate: no high-severity security finding, the package re-read and verified, a complete plan. */
export const testingToDeploymentGate: GateDefinition = {
  phase: 'testing-to-deployment',
  reads: ['security-report', 'release-package', 'deployment-plan', 'pipeline'],
  async evaluate(ctx) {
    const criteria: GateCriterion[] = [];
    const security = await newestJson<SecurityReport>(ctx, 'security-report');
    const high = security
      ? [
          ...security.secrets,
          ...security.dependencies.findings,
          ...security.infrastructure,
          ...security.accessControl.findings,
        ]
          .filter((f) => f.severity === 'high')
          .map((f) => `${f.file}${f.line ? `:${f.line}` : ''} ${f.rule}: ${f.message}`)
      : ['no security report was produced'];
    criteria.push(noFindings('high-severity security findings', high));

    let packageFindings: string[];
    try {
      // Read back from the artifact store, not from memory: this is the copy that will be deployed.
      const release = await loadReleasePackage(ctx);
      packageFindings = verifyPackage(release.archive, release.manifest).problems;
    } catch (error) {
      packageFindings = [(error as Error).message];
    }
    criteria.push(noFindings('release package verified (every file hash)', packageFindings));

    const plan = await newestJson<DeploymentPlan>(ctx, 'deployment-plan');
    criteria.push(
      noFindings(
        'deployment plan complete',
        plan
          ? plan.readiness.filter((r) => !r.passed).map((r) => `${r.name}: ${r.detail}`)
          : ['no deployment plan was produced'],
      ),
    );
    const pipeline = await newestJson<PipelineReport>(ctx, 'pipeline');
    criteria.push(
      noFindings(
        'pipeline references exist',
        pipeline ? pipeline.validation.findings : ['no pipeline was produced'],
      ),
    );
    return criteria;
  },
};
