import type { CostReport } from '../agents/production-to-optimization/costOptimizer';
import type { EvolutionPlan } from '../agents/production-to-optimization/feedbackEvolution';
import type { GrowthReport } from '../agents/production-to-optimization/growthStrategist';
import type { PerformanceReport } from '../agents/production-to-optimization/productionObserver';
import { newestJson } from '../toolchain/release/productFiles';
import { noFindings, type GateCriterion, type GateDefinition } from '../core/gate';

/**
 * The optimization gate checks that the learning loop has what it needs: a measurement of the live product,
 * every success metric assessed, a cost model, and an evolution plan whose firing alerts are in its backlog.
 */
export const productionToOptimizationGate: GateDefinition = {
  phase: 'production-to-optimization',
  reads: ['performance-report', 'growth-report', 'cost-report', 'evolution-plan'],
  async evaluate(ctx) {
    const criteria: GateCriterion[] = [];
    const perf = await newestJson<PerformanceReport>(ctx, 'performance-report');
    criteria.push(
      noFindings(
        'live product measured',
        !perf
          ? ['no performance report']
          : perf.measured
            ? perf.services
                .filter((s) => s.requests === 0)
                .map((s) => `${s.service}: no probe request completed`)
            : [perf.note],
      ),
    );
    const growth = await newestJson<GrowthReport>(ctx, 'growth-report');
    criteria.push(noFindings('success metrics assessed', growth ? [] : ['no growth report']));
    const cost = await newestJson<CostReport>(ctx, 'cost-report');
    criteria.push(
      noFindings(
        'cost model per environment',
        !cost ? ['no cost report'] : cost.environments.length ? [] : ['the cost model has no environment'],
      ),
    );
    const plan = await newestJson<EvolutionPlan>(ctx, 'evolution-plan');
    const firing = perf?.alerts.filter((a) => a.firing) ?? [];
    criteria.push(
      noFindings(
        'evolution plan covers firing alerts',
        !plan
          ? ['no evolution plan']
          : firing
              .filter(
                (a) =>
                  !plan.backlog.some(
                    (b) =>
                      b.source === 'performance' && b.title.includes(a.service) && b.title.includes(a.signal),
                  ),
              )
              .map((a) => `${a.alert} fires but is not in the backlog`),
      ),
    );
    return criteria;
  },
};
