import { z } from 'zod';
import { productOf, type AgentDefinition } from '../../core/agent';
import { deploymentOutcomeSchema, type DeploymentReport } from '../blueprint/operations/reports';
import { newestJson } from '../../toolchain/release/productFiles';
import type { PostDeploymentCheck } from './postDeploymentValidator';

export const rollbackReportSchema = z.object({
  action: z.enum(['rolled-back', 'already-rolled-back', 'nothing-deployed', 'rollback-failed']),
  reason: z.string(),
  outcome: deploymentOutcomeSchema.optional(),
});
export type RollbackReport = z.infer<typeof rollbackReportSchema>;

/** Runs only when the production gate fails: puts the previous version back if the failed one took traffic. */
export const rollbackCoordinator: AgentDefinition<RollbackReport> = {
  name: 'rollbackCoordinator',
  role: 'Release Manager',
  phase: 'deployment-to-production',
  purpose:
    'After a failed production gate, switches traffic back to the previous version when the failed one was serving, and records why.',
  uses: 'tools',
  reads: ['deployment-report', 'health-check'],
  writes: ['rollback-report'],
  output: rollbackReportSchema,
  async blueprint(ctx) {
    const report = await newestJson<DeploymentReport>(ctx, 'deployment-report');
    const post = (
      await Promise.all(ctx.inputs('health-check').map((i) => i.json<Partial<PostDeploymentCheck>>()))
    )
      .filter((c) => c.stage === 'post-deployment')
      .pop();
    if (!report || (report.status === 'failed' && !report.services.length))
      return { action: 'nothing-deployed', reason: report?.rollback?.reason ?? 'no deployment report' };
    if (report.status !== 'deployed')
      return { action: 'already-rolled-back', reason: report.rollback?.reason ?? report.status };
    const failed = [...(post?.health ?? []), ...(post?.smoke ?? []), ...(post?.integration ?? [])].filter(
      (c) => !c.passed,
    );
    const reason = failed.length
      ? `post-deployment validation failed: ${failed
          .slice(0, 5)
          .map((c) => `${c.service} ${c.name}: ${c.status ?? c.error}`)
          .join('; ')}`
      : 'the production gate failed';
    const target = ctx.deploymentTarget();
    const current = await target.current(ctx.tenantId, productOf(ctx));
    if (current?.status !== 'live' || current.version !== report.version)
      return {
        action: 'already-rolled-back',
        reason:
          `${report.version} no longer serves (${current?.status ?? 'nothing'} ${current?.version ?? ''})`.trim(),
      };
    const outcome = await target.rollback(ctx.tenantId, productOf(ctx), reason);
    return { action: outcome.status === 'rolled-back' ? 'rolled-back' : 'rollback-failed', reason, outcome };
  },
  artifacts(output) {
    return [
      {
        path: 'production/rollback.json',
        kind: 'rollback-report',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
