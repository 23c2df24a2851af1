import { z } from 'zod';
import { productOf, type AgentDefinition } from '../../core/agent';
import { probe } from '../blueprint/operations/probe';
import { newestJson } from '../../toolchain/release/productFiles';
import { loadMeasurementSchema } from '../../toolchain/testing/loadMeasurement';
import type { DeploymentPlan } from '../testing-to-deployment/deploymentOrchestrator';
import type { ObservabilityConfig } from '../testing-to-deployment/observabilityEngineer';

const measurement = z.object({
  service: z.string(),
  ...loadMeasurementSchema.shape,
  resources: z.object({ rssBytes: z.number(), cpuMs: z.number(), cpuPercent: z.number() }).optional(),
  resourcesNote: z.string().optional(),
});

export const performanceReportSchema = z.object({
  version: z.string().optional(),
  measured: z.boolean(),
  note: z.string(),
  services: z.array(measurement),
  alerts: z.array(
    z.object({
      alert: z.string(),
      service: z.string(),
      signal: z.string(),
      threshold: z.number(),
      observed: z.number(),
      firing: z.boolean(),
    }),
  ),
});
export type PerformanceReport = z.infer<typeof performanceReportSchema>;

/** Who the probe calls as: the factory, signed in as itself. */
const observerCaller = { subject: 'factory:production-observer', roles: [] };

export const productionObserver: AgentDefinition<PerformanceReport> = {
  name: 'productionObserver',
  role: 'Observability Engineer',
  phase: 'production-to-optimization',
  purpose:
    'Measures the live product under a bounded probe load: latency percentiles, error rate and resource use, evaluated against the alert rules.',
  uses: 'tools',
  reads: ['deployment-plan', 'observability-config', 'deployment-report'],
  writes: ['performance-report'],
  output: performanceReportSchema,
  async blueprint(ctx) {
    const target = ctx.deploymentTarget();
    const current = await target.current(ctx.tenantId, productOf(ctx));
    if (!current || current.status !== 'live') {
      return {
        measured: false,
        note: 'nothing is deployed for this run: no telemetry to measure',
        services: [],
        alerts: [],
      };
    }
    const plan = await newestJson<DeploymentPlan>(ctx, 'deployment-plan');
    const config = await newestJson<ObservabilityConfig>(ctx, 'observability-config');
    const services: PerformanceReport['services'] = [];
    const authorization = `Bearer ${await target.accessToken(ctx.tenantId, productOf(ctx), observerCaller, 600)}`;
    for (const s of current.services) {
      const paths = plan?.services
        .find((p) => p.service === s.service)
        ?.smoke.map((l) => l.replace(/^GET\s+/, '')) ?? ['/health'];
      services.push(
        await probe({
          service: s.service,
          url: s.url,
          paths: paths.length ? paths : ['/health'],
          pid: s.pid,
          authorization,
        }),
      );
    }
    const alerts = (config?.alerts ?? [])
      .filter((a) => a.signal !== 'availability')
      .map((a) => {
        const m = services.find((s) => s.service === a.service);
        const observed = !m ? 0 : a.signal === 'p95-latency-ms' ? m.latencyMs.p95 : m.errorRate;
        return {
          alert: a.name,
          service: a.service,
          signal: a.signal,
          threshold: a.threshold,
          observed,
          firing: Boolean(m) && observed > a.threshold,
        };
      });
    return {
      version: current.version,
      measured: true,
      note: 'probe load from the factory (read-only GETs); real user traffic is not simulated',
      services,
      alerts,
    };
  },
  artifacts(report) {
    return [
      {
        path: 'optimization/performance-report.json',
        kind: 'performance-report',
        contentType: 'application/json',
        content: JSON.stringify(report, null, 2) + '\n',
      },
    ];
  },
};
