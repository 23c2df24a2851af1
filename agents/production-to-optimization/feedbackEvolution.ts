import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { newestJson } from '../../toolchain/release/productFiles';
import type { SecurityReport } from '../testing-to-deployment/securityEngineer';
import type { CostReport } from './costOptimizer';
import type { CustomerInsights } from './customerSuccess';
import type { GrowthReport } from './growthStrategist';
import type { PerformanceReport } from './productionObserver';
import { markdownText } from '../../toolchain/escaping/markdownText';
import { markdownAndJson } from '../runtime/reportFiles';

const item = z.object({
  id: z.string().regex(/^EV-\d{3}$/),
  title: z.string(),
  rationale: z.string(),
  priority: z.enum(['must', 'should', 'could']),
  source: z.enum(['performance', 'customer', 'growth', 'cost', 'security']),
  /** Why the next iteration does not apply it, when it does not (it is not in `visionFeedback`). */
  leftOut: z.string().optional(),
});

export const evolutionPlanSchema = z.object({
  fromIteration: z.number(),
  nextIteration: z.number(),
  recommendations: z.array(z.string()),
  backlog: z.array(item),
  /** What the Vision Architect applies to the vision of the next iteration, like reviewer feedback. */
  visionFeedback: z.array(z.string()),
});
export type EvolutionPlan = z.infer<typeof evolutionPlanSchema>;

const rank = { must: 0, should: 1, could: 2 } as const;

/**
 * Why an item does not go to the next iteration's vision, if it does not: only what changes the product's scope or
 * behaviour does; the rest is said where it is reported, with who acts on it.
 */
function leftOutBecause(item: { priority: string; source: string }): string | undefined {
  if (item.source === 'cost')
    return 'a sizing of the deployed resources, not a change of the product: the cost report names the setting; the vision does not decide it';
  if (item.source === 'security')
    return 'a finding in generated code or configuration, which the generators decide, not the vision: it stays in the security report until they change';
  if (item.priority === 'could')
    return 'a could-have: left to people to decide; a change request (factory change) applies it when wanted';
  return undefined;
}

export const feedbackEvolution: AgentDefinition<EvolutionPlan> = {
  name: 'feedbackEvolution',
  role: 'Feedback & Evolution',
  phase: 'production-to-optimization',
  purpose:
    'Turns performance, customer, growth, cost and security findings into evolution recommendations and a prioritised backlog for the next iteration.',
  uses: 'model',
  deployment: 'simple',
  reads: ['performance-report', 'customer-insights', 'growth-report', 'cost-report', 'security-report'],
  writes: ['evolution-plan'],
  output: evolutionPlanSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are Feedback & Evolution. From the reports of this phase, recommend how the product should evolve and write a prioritised backlog for the next iteration (must: failing alerts, errors users hit; should: pain points, unmet metrics; could: instrumentation and cost). Each item names its source and rationale. Also write the feedback the Vision Architect applies to the next vision.',
    user: 'Performance:\n{{performance-report}}\n\nCustomer insights:\n{{customer-insights}}\n\nGrowth:\n{{growth-report}}\n\nCost:\n{{cost-report}}',
  },
  async blueprint(ctx) {
    const perf = await newestJson<PerformanceReport>(ctx, 'performance-report');
    const insights = await newestJson<CustomerInsights>(ctx, 'customer-insights');
    const growth = await newestJson<GrowthReport>(ctx, 'growth-report');
    const cost = await newestJson<CostReport>(ctx, 'cost-report');
    const security = await newestJson<SecurityReport>(ctx, 'security-report');
    const items: Array<Omit<z.infer<typeof item>, 'id'>> = [];
    for (const alert of perf?.alerts.filter((a) => a.firing) ?? [])
      items.push({
        title: `Bring ${alert.service} ${alert.signal} within ${alert.threshold}`,
        rationale: `alert ${alert.alert} fires: observed ${alert.observed}`,
        priority: 'must',
        source: 'performance',
      });
    if (perf && !perf.measured)
      items.push({
        title: 'Keep the product deployed while it is measured',
        rationale: perf.note,
        priority: 'should',
        source: 'performance',
      });
    for (const pain of insights?.painPoints ?? [])
      items.push({
        title: `Address "${pain.theme}"${pain.entities.length ? ` around ${pain.entities.join(', ')}` : ''}`,
        rationale: `${pain.mentions} user report(s), e.g. "${pain.examples[0] ?? ''}"`,
        priority: pain.theme === 'errors and failures' ? 'must' : 'should',
        source: 'customer',
      });
    for (const metric of growth?.metrics ?? []) {
      if (metric.status === 'not-met')
        items.push({
          title: `Move "${metric.name}" towards ${metric.target}`,
          rationale: `observed ${metric.observed ?? 'below target'}`,
          priority: 'should',
          source: 'growth',
        });
      if (metric.status === 'not-measurable-yet')
        items.push({
          title: `Instrument "${metric.name}"`,
          rationale: metric.instrumentation ?? metric.evidence,
          priority: 'could',
          source: 'growth',
        });
    }
    for (const rec of cost?.recommendations ?? [])
      items.push({
        title: `${rec.environment}: ${rec.resource.split('/').pop()} ${rec.change}`,
        rationale: `saves about ${rec.monthlySaving} USD/month; ${rec.rationale}`,
        priority: 'could',
        source: 'cost',
      });
    const medium = security
      ? [
          ...security.secrets,
          ...security.dependencies.findings,
          ...security.infrastructure,
          ...security.accessControl.findings,
        ].filter((f) => f.severity === 'medium')
      : [];
    for (const f of medium.slice(0, 5))
      items.push({
        title: `Security: ${f.rule} in ${f.file}`,
        rationale: f.message,
        priority: 'should',
        source: 'security',
      });
    const backlog = items
      .map((x, i) => ({ x, i }))
      .sort((a, b) => rank[a.x.priority] - rank[b.x.priority] || a.i - b.i)
      .map(({ x }, i) => {
        const leftOut = leftOutBecause(x);
        return { id: `EV-${String(i + 1).padStart(3, '0')}`, ...x, ...(leftOut ? { leftOut } : {}) };
      });
    const recommendations = [
      ...(backlog.some((b) => b.priority === 'must')
        ? [
            `Fix the ${backlog.filter((b) => b.priority === 'must').length} must-have item(s) before adding features.`,
          ]
        : []),
      ...(insights?.painPoints.length
        ? [`Users report: ${insights.painPoints.map((p) => p.theme).join(', ')}.`]
        : ['No user pain points were reported; gather feedback with `factory feedback`.']),
      ...(growth && growth.summary.notMeasurable
        ? [
            `${growth.summary.notMeasurable} success metric(s) cannot be measured yet: add the product events named in the growth report.`,
          ]
        : []),
      ...(cost?.recommendations.length
        ? [
            `Right-sizing could save about ${cost.recommendations.reduce((s, r) => s + r.monthlySaving, 0).toFixed(2)} USD/month.`,
          ]
        : []),
    ];
    return {
      fromIteration: ctx.iteration,
      nextIteration: ctx.iteration + 1,
      recommendations,
      backlog,
      visionFeedback: backlog
        .filter((b) => !b.leftOut)
        .map((b) => `${b.id} (${b.priority}, ${b.source}): ${b.title}. ${b.rationale}`),
    };
  },
  artifacts(plan) {
    const md = [
      `# Evolution plan for iteration ${plan.nextIteration}`,
      '',
      ...plan.recommendations.map((r) => `- ${markdownText(r)}`),
      '',
      '| id | priority | source | item | rationale | next iteration |',
      '| --- | --- | --- | --- | --- | --- |',
      ...plan.backlog.map(
        (b) =>
          `| ${b.id} | ${b.priority} | ${b.source} | ${markdownText(b.title)} | ${markdownText(b.rationale)} | ${b.leftOut ? `left out: ${markdownText(b.leftOut)}` : 'given to the Vision Architect'} |`,
      ),
      '',
    ].join('\n');
    return markdownAndJson('optimization/evolution-plan', 'evolution-plan', md, plan);
  },
};
