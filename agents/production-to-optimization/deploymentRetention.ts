import { z } from 'zod';
import { productOf, type AgentContext, type AgentDefinition } from '../../core/agent';
import { keepDeployed } from '../../platform/deployment';

export const retentionSchema = z.object({
  decision: z.enum(['kept', 'stopped', 'nothing-deployed', 'kept-for-next-iteration']),
  reason: z.string(),
  version: z.string().optional(),
  urls: z.array(z.object({ service: z.string(), url: z.string() })),
  stopped: z.number(),
});
export type Retention = z.infer<typeof retentionSchema>;

/** The run's planned iterations, from the run document; 1 when it cannot be read (agents run outside a run). */
async function plannedIterations(ctx: AgentContext): Promise<number> {
  try {
    const doc = await ctx.run();
    return doc?.options.iterations ?? 1;
  } catch {
    return 1;
  }
}

/**
 * The last step of the run's last iteration: the deployed product keeps running (so people can use it and
 * `factory status` shows its URLs) unless `FACTORY_KEEP_DEPLOYED=false`, then it is stopped. Earlier
 * iterations always keep it: the next deployment is blue/green against it.
 */
export const deploymentRetention: AgentDefinition<Retention> = {
  name: 'deploymentRetention',
  role: 'Release Manager',
  phase: 'production-to-optimization',
  purpose:
    'Keeps the deployed product running after the run, or stops it when FACTORY_KEEP_DEPLOYED=false, and records which.',
  uses: 'tools',
  reads: ['evolution-plan'],
  writes: ['deployment-retention'],
  output: retentionSchema,
  async blueprint(ctx) {
    const target = ctx.deploymentTarget();
    const current = await target.current(ctx.tenantId, productOf(ctx));
    if (!current || current.status !== 'live') {
      // What a failed deployment left (its databases) stops with the run too, unless the product is kept.
      const stopped =
        !keepDeployed() && ctx.iteration >= (await plannedIterations(ctx))
          ? (await target.undeploy(ctx.tenantId, productOf(ctx))).stopped
          : 0;
      return {
        decision: 'nothing-deployed',
        reason: 'no version of the product is live',
        urls: [],
        stopped,
      };
    }
    const urls = current.services.map((s) => ({ service: s.service, url: s.url }));
    const keep = keepDeployed();
    if (keep)
      return {
        decision: 'kept',
        reason: `FACTORY_KEEP_DEPLOYED is not false: stop it with factory undeploy ${productOf(ctx)}`,
        version: current.version,
        urls,
        stopped: 0,
      };
    const iterations = await plannedIterations(ctx);
    if (ctx.iteration < iterations)
      return {
        decision: 'kept-for-next-iteration',
        reason: `iteration ${ctx.iteration} of ${iterations}: the next deployment replaces it blue/green`,
        version: current.version,
        urls,
        stopped: 0,
      };
    const { stopped } = await target.undeploy(ctx.tenantId, productOf(ctx));
    return {
      decision: 'stopped',
      reason: 'FACTORY_KEEP_DEPLOYED=false: the product is stopped at the end of the run',
      version: current.version,
      urls,
      stopped,
    };
  },
  artifacts(output) {
    return [
      {
        path: 'optimization/deployment-retention.json',
        kind: 'deployment-retention',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
