import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { integrationTargets } from '../blueprint/operations/checks';
import { checkResultSchema, type DeploymentReport } from '../blueprint/operations/reports';
import { deploymentTarget } from '../blueprint/operations/target';
import { newestJson } from '../../toolchain/release/productFiles';
import { httpCheck, type CheckResult } from '../../platform/deployment';
import type { DeploymentPlan } from '../testing-to-deployment/deploymentOrchestrator';

export const postDeploymentSchema = z.object({
  stage: z.literal('post-deployment'),
  releasedVersion: z.string(),
  servingVersion: z.string().optional(),
  health: z.array(checkResultSchema),
  smoke: z.array(checkResultSchema),
  integration: z.array(checkResultSchema),
  passed: z.boolean(),
});
export type PostDeploymentCheck = z.infer<typeof postDeploymentSchema>;

/** Creates a resource through the deployed API and reads it back by id. */
async function createAndRead(
  service: string,
  base: string,
  collectionPath: string,
  body: Record<string, unknown>,
): Promise<CheckResult[]> {
  const started = Date.now();
  const name = `POST ${collectionPath} then GET by id`;
  try {
    const created = await fetch(`${base}${collectionPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    const json = (await created.json().catch(() => ({}))) as { id?: string };
    if (created.status !== 201 || !json.id) {
      return [
        {
          service,
          name,
          url: `${base}${collectionPath}`,
          status: created.status,
          passed: false,
          durationMs: Date.now() - started,
          error: `create answered ${created.status}${json.id ? '' : ' without an id'}`,
        },
      ];
    }
    const read = await httpCheck(
      service,
      name,
      `${base}${collectionPath}/${encodeURIComponent(json.id)}`,
      [200],
      5000,
    );
    return [{ ...read, durationMs: Date.now() - started }];
  } catch (error) {
    return [
      {
        service,
        name,
        url: `${base}${collectionPath}`,
        passed: false,
        durationMs: Date.now() - started,
        error: (error as Error).message,
      },
    ];
  }
}

export const postDeploymentValidator: AgentDefinition<PostDeploymentCheck> = {
  name: 'postDeploymentValidator',
  role: 'QA Engineer',
  phase: 'deployment-to-production',
  purpose:
    'Validates what serves after the deployment: health checks, smoke tests and create-then-read integration tests against the deployed URLs.',
  uses: 'tools',
  reads: ['deployment-report', 'deployment-plan', 'domain-model', 'openapi'],
  writes: ['health-check'],
  output: postDeploymentSchema,
  async blueprint(ctx) {
    const report = await newestJson<DeploymentReport>(ctx, 'deployment-report');
    if (!report) throw new Error('no deployment-report was given: the Production Deployer writes it');
    const plan = await newestJson<DeploymentPlan>(ctx, 'deployment-plan');
    const current = await deploymentTarget().current(ctx.tenantId, ctx.runId);
    const live = current?.status === 'live' ? current.services : [];
    const health = await Promise.all(
      live.map((s) => httpCheck(s.service, 'GET /health', `${s.url}/health`, [200], 5000)),
    );
    const smoke: CheckResult[] = [];
    for (const s of plan?.services ?? []) {
      const url = live.find((l) => l.service === s.service)?.url;
      for (const line of s.smoke) {
        const path = line.replace(/^GET\s+/, '');
        smoke.push(
          url
            ? await httpCheck(s.service, line, `${url}${path}`, [200], 5000)
            : {
                service: s.service,
                name: line,
                url: '',
                passed: false,
                durationMs: 0,
                error: 'the service is not live',
              },
        );
      }
    }
    const integration: CheckResult[] = [];
    for (const s of live)
      for (const t of await integrationTargets(ctx, s.service))
        integration.push(...(await createAndRead(s.service, s.url, t.collectionPath, t.body)));
    const servingVersion = current?.status === 'live' ? current.version : undefined;
    const all = [...health, ...smoke, ...integration];
    return {
      stage: 'post-deployment',
      releasedVersion: report.version,
      servingVersion,
      health,
      smoke,
      integration,
      passed: servingVersion === report.version && live.length > 0 && all.every((c) => c.passed),
    };
  },
  artifacts(output) {
    return [
      {
        path: 'production/health-check-post.json',
        kind: 'health-check',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
