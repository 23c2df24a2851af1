import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { newestJson } from '../../toolchain/release/productFiles';
import type { SuccessMetric, Vision } from '../../toolchain/schemas/vision';
import type { CustomerInsights } from './customerSuccess';
import type { PerformanceReport } from './productionObserver';

export const growthReportSchema = z.object({
  metrics: z.array(
    z.object({
      name: z.string(),
      target: z.string(),
      status: z.enum(['met', 'not-met', 'not-measurable-yet']),
      observed: z.string().optional(),
      evidence: z.string(),
      instrumentation: z.string().optional(),
    }),
  ),
  summary: z.object({ met: z.number(), notMet: z.number(), notMeasurable: z.number() }),
});
export type GrowthReport = z.infer<typeof growthReportSchema>;

function assess(
  metric: SuccessMetric,
  perf: PerformanceReport | undefined,
  insights: CustomerInsights | undefined,
): GrowthReport['metrics'][number] {
  const text = `${metric.name} ${metric.target} ${metric.unit ?? ''}`.toLowerCase();
  const base = { name: metric.name, target: metric.target };
  const measured = perf?.measured ? perf.services : [];
  if (
    /latenc|response time|\bms\b|millisecond|seconds?\b|fast/.test(text) &&
    measured.length &&
    metric.value !== undefined
  ) {
    const p95 = Math.max(...measured.map((s) => s.latencyMs.p95));
    const limitMs = /second/.test(text) && !/milli/.test(text) ? metric.value * 1000 : metric.value;
    return {
      ...base,
      status: p95 <= limitMs ? 'met' : 'not-met',
      observed: `p95 ${p95} ms under probe load`,
      evidence: 'performance report',
    };
  }
  if (/availab|uptime|error rate|reliab/.test(text) && measured.length) {
    const errorRate = Math.max(...measured.map((s) => s.errorRate));
    const availability = (1 - errorRate) * 100;
    const wanted = metric.value ?? 99;
    return {
      ...base,
      status: availability >= wanted ? 'met' : 'not-met',
      observed: `${availability.toFixed(2)}% of probe requests succeeded`,
      evidence: 'performance report (probe traffic, not an SLA measurement)',
    };
  }
  if (/satisf|rating|nps|happy|csat/.test(text)) {
    if (insights?.satisfaction.average !== undefined) {
      const scale = metric.value !== undefined && metric.value > 5 ? 20 : 1;
      const observed = insights.satisfaction.average * scale;
      return {
        ...base,
        status: metric.value === undefined || observed >= metric.value ? 'met' : 'not-met',
        observed: `average rating ${insights.satisfaction.average}/5 from ${insights.satisfaction.ratings} ratings`,
        evidence: 'user feedback',
      };
    }
    return {
      ...base,
      status: 'not-measurable-yet',
      evidence: 'no rated feedback yet',
      instrumentation: 'collect ratings with `factory feedback RUN_ID --file F` or an in-app survey',
    };
  }
  return {
    ...base,
    status: 'not-measurable-yet',
    evidence: 'the deployed product emits no usage events for this metric',
    instrumentation: `emit a product event that counts "${metric.name}" and chart it in the operations dashboard`,
  };
}

export const growthStrategist: AgentDefinition<GrowthReport> = {
  name: 'growthStrategist',
  role: 'Growth Strategist',
  phase: 'production-to-optimization',
  purpose:
    "Measures the product against the vision's success metrics where the telemetry allows, and names the instrumentation the others need.",
  uses: 'model',
  deployment: 'simple',
  reads: ['vision', 'performance-report', 'customer-insights'],
  writes: ['growth-report'],
  output: growthReportSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are the Growth Strategist. For each success metric of the vision, say whether it is met, not met, or cannot be measured yet from the telemetry and feedback given; never invent numbers; for the last, name the instrumentation needed.',
    user: 'Success metrics:\n{{vision}}\n\nPerformance:\n{{performance-report}}\n\nCustomer insights:\n{{customer-insights}}',
  },
  async blueprint(ctx) {
    const vision = await newestJson<Vision>(ctx, 'vision');
    const perf = await newestJson<PerformanceReport>(ctx, 'performance-report');
    const insights = await newestJson<CustomerInsights>(ctx, 'customer-insights');
    const metrics = (vision?.successMetrics ?? []).map((m) => assess(m, perf, insights));
    return {
      metrics,
      summary: {
        met: metrics.filter((m) => m.status === 'met').length,
        notMet: metrics.filter((m) => m.status === 'not-met').length,
        notMeasurable: metrics.filter((m) => m.status === 'not-measurable-yet').length,
      },
    };
  },
  artifacts(output) {
    return [
      {
        path: 'optimization/growth-report.json',
        kind: 'growth-report',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
