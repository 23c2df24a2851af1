import type { PostDeploymentCheck } from '../agents/deployment-to-production/postDeploymentValidator';
import type { PreDeploymentCheck } from '../agents/deployment-to-production/preDeploymentValidator';
import type { DeploymentReport } from '../agents/blueprint/operations/reports';
import { allJson, newestJson } from '../toolchain/release/productFiles';
import { noFindings, type GateCriterion, type GateDefinition } from '../core/gate';

const describe = (c: { service: string; name: string; status?: number; error?: string }) =>
  `${c.service} ${c.name}: ${c.status ?? c.error ?? 'failed'}`;

/** The production gate: the new version took the traffic and answers its health, smoke and integration checks. */
export const deploymentToProductionGate: GateDefinition = {
  phase: 'deployment-to-production',
  reads: ['pre-deployment-check', 'deployment-report', 'health-check'],
  async evaluate(ctx) {
    const criteria: GateCriterion[] = [];
    const pre = await newestJson<PreDeploymentCheck>(ctx, 'pre-deployment-check');
    criteria.push(
      noFindings(
        'pre-deployment validation',
        pre
          ? pre.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`)
          : ['no pre-deployment check'],
      ),
    );
    const report = await newestJson<DeploymentReport>(ctx, 'deployment-report');
    criteria.push(
      noFindings(
        'new version deployed and switched',
        !report
          ? ['no deployment report']
          : report.status === 'deployed'
            ? []
            : [`${report.version} ${report.status}: ${report.rollback?.reason ?? 'no reason recorded'}`],
      ),
    );
    const post = (await allJson<Partial<PostDeploymentCheck>>(ctx, 'health-check'))
      .filter((c) => c.stage === 'post-deployment')
      .pop();
    if (!post) {
      criteria.push(noFindings('post-deployment validation', ['no post-deployment check was run']));
      return criteria;
    }
    criteria.push(
      noFindings(
        'released version serving',
        post.servingVersion === post.releasedVersion
          ? []
          : [`serving ${post.servingVersion ?? 'nothing'}, released ${post.releasedVersion}`],
      ),
    );
    criteria.push(
      noFindings(
        'health checks',
        (post.health ?? [])
          .filter((c) => !c.passed)
          .map(describe)
          .concat(post.health?.length ? [] : ['no service answered a health check']),
      ),
    );
    criteria.push(noFindings('smoke tests', (post.smoke ?? []).filter((c) => !c.passed).map(describe)));
    criteria.push(
      noFindings('integration tests', (post.integration ?? []).filter((c) => !c.passed).map(describe)),
    );
    return criteria;
  },
};
