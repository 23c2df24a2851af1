import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import {
  loadProductFiles,
  newestJson,
  productSlug,
  serviceSlugs,
} from '../../toolchain/release/productFiles';

const alertRule = z.object({
  name: z.string(),
  service: z.string(),
  severity: z.number().int().min(0).max(4),
  signal: z.enum(['p95-latency-ms', 'error-rate', 'availability']),
  threshold: z.number(),
  windowMinutes: z.number(),
  query: z.string(),
});

export const observabilityConfigSchema = z.object({
  product: z.string(),
  logging: z.object({
    format: z.literal('json-lines'),
    level: z.string(),
    fields: z.array(z.string()),
    retentionDays: z.number(),
  }),
  metrics: z.array(z.object({ service: z.string(), name: z.string(), unit: z.string(), source: z.string() })),
  tracing: z.object({ exporter: z.string(), propagation: z.string(), samplingRatio: z.number() }),
  alerts: z.array(alertRule),
  dashboard: z.object({
    title: z.string(),
    tiles: z.array(
      z.object({ title: z.string(), service: z.string(), query: z.string(), visualization: z.string() }),
    ),
  }),
});
export type ObservabilityConfig = z.infer<typeof observabilityConfigSchema>;
export type AlertRule = z.infer<typeof alertRule>;

export const observabilityEngineer: AgentDefinition<ObservabilityConfig> = {
  name: 'observabilityEngineer',
  role: 'Observability Engineer',
  phase: 'testing-to-deployment',
  purpose:
    'Defines logging, metrics, tracing, alert rules and a dashboard for the product, with thresholds from the test plan.',
  uses: 'compiler',
  reads: ['service-source', 'product-bicep', 'test-plan', 'domain-model'],
  writes: ['observability-config'],
  output: observabilityConfigSchema,
  async blueprint(ctx) {
    const files = await loadProductFiles(ctx);
    const services = serviceSlugs(files);
    const product = await productSlug(ctx, files);
    const plan = await newestJson<{ exitCriteria?: { p95LatencyMs?: number; maxErrorRate?: number } }>(
      ctx,
      'test-plan',
    );
    const p95 = plan?.exitCriteria?.p95LatencyMs ?? 500;
    const errorRate = plan?.exitCriteria?.maxErrorRate ?? 0.01;
    const role = (s: string) => `cloud_RoleName == '${s}'`;
    return {
      product,
      logging: {
        format: 'json-lines',
        level: 'info',
        fields: ['time', 'level', 'service', 'version', 'traceId', 'method', 'path', 'status', 'durationMs'],
        retentionDays: 30,
      },
      metrics: services.flatMap((s) => [
        { service: s, name: 'http.server.requests', unit: 'count', source: 'AppRequests' },
        { service: s, name: 'http.server.duration', unit: 'ms', source: 'AppRequests.DurationMs' },
        {
          service: s,
          name: 'http.server.errors',
          unit: 'count',
          source: 'AppRequests where Success == false',
        },
        { service: s, name: 'process.memory.rss', unit: 'bytes', source: 'AppPerformanceCounters' },
      ]),
      tracing: { exporter: 'azure-monitor-opentelemetry', propagation: 'w3c-tracecontext', samplingRatio: 1 },
      alerts: services.flatMap((s) => [
        {
          name: `${s}-p95-latency`,
          service: s,
          severity: 2,
          signal: 'p95-latency-ms' as const,
          threshold: p95,
          windowMinutes: 5,
          query: `AppRequests | where ${role(s)} | summarize p95=percentile(DurationMs, 95) | where p95 > ${p95}`,
        },
        {
          name: `${s}-error-rate`,
          service: s,
          severity: 1,
          signal: 'error-rate' as const,
          threshold: errorRate,
          windowMinutes: 5,
          query: `AppRequests | where ${role(s)} | summarize rate=countif(Success == false) * 1.0 / count() | where rate > ${errorRate}`,
        },
        {
          name: `${s}-availability`,
          service: s,
          severity: 0,
          signal: 'availability' as const,
          threshold: 0.99,
          windowMinutes: 15,
          query: `AppAvailabilityResults | where Name == '${s}-health' | summarize ok=avg(todouble(Success)) | where ok < 0.99`,
        },
      ]),
      dashboard: {
        title: `${product} operations`,
        tiles: services.flatMap((s) => [
          {
            title: `${s}: requests per minute`,
            service: s,
            query: `AppRequests | where ${role(s)} | summarize count() by bin(TimeGenerated, 1m)`,
            visualization: 'timechart',
          },
          {
            title: `${s}: latency p50/p95/p99`,
            service: s,
            query: `AppRequests | where ${role(s)} | summarize percentiles(DurationMs, 50, 95, 99) by bin(TimeGenerated, 5m)`,
            visualization: 'timechart',
          },
          {
            title: `${s}: failures by result code`,
            service: s,
            query: `AppRequests | where ${role(s)} and Success == false | summarize count() by ResultCode`,
            visualization: 'barchart',
          },
        ]),
      },
    };
  },
  artifacts(config) {
    return [
      {
        path: 'observability/config.json',
        kind: 'observability-config',
        contentType: 'application/json',
        content: JSON.stringify(config, null, 2) + '\n',
      },
    ];
  },
};
