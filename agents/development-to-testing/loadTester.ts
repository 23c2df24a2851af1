import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { defaultLoad, driverTargets, runLoad } from '../../toolchain/testing/drive';
import { loadMeasurementSchema } from '../../toolchain/testing/loadMeasurement';
import { compileService } from '../../toolchain/backend/compileService';
import { loadServices } from '../../toolchain/testing/services';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { defaultExitCriteria } from './qaEngineer';

export const loadTestSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      profile: z.object({ requests: z.number(), durationMs: z.number(), concurrency: z.number() }),
      p95LimitMs: z.number(),
      result: loadMeasurementSchema.optional(),
      error: z.string().optional(),
    }),
  ),
});

export type LoadTestReport = z.infer<typeof loadTestSchema>;

export const loadTester: AgentDefinition<LoadTestReport> = {
  name: 'loadTester',
  role: 'Load & Performance Tester',
  phase: 'development-to-testing',
  purpose:
    'Starts each compiled service in the sandbox and drives a bounded load, reporting throughput, latency percentiles and errors.',
  uses: 'tools',
  reads: ['service-source', 'domain-model', 'openapi', 'test-plan'],
  writes: ['load-test'],
  output: loadTestSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const plan = ctx.inputs('test-plan').length
      ? await ctx.inputJson<{ exitCriteria?: { p95LatencyMs?: number } }>('test-plan')
      : undefined;
    const p95LimitMs = plan?.exitCriteria?.p95LatencyMs ?? defaultExitCriteria.p95LatencyMs;
    const services: LoadTestReport['services'] = [];
    for (const service of await loadServices(ctx)) {
      const { outDir } = compileService(service.files, { emit: true });
      if (!outDir) {
        services.push({
          service: service.slug,
          profile: defaultLoad,
          p95LimitMs,
          error: 'the service does not compile',
        });
        continue;
      }
      const { report, error } = await runLoad(ctx.sandbox(), outDir, driverTargets(model, service.slug));
      services.push({
        service: service.slug,
        profile: defaultLoad,
        p95LimitMs,
        result: report && {
          requests: report.requests,
          durationMs: report.durationMs,
          throughputRps: Math.round(report.throughputRps),
          errors: report.errors,
          errorRate: report.errorRate,
          latencyMs: report.latencyMs,
          statusCounts: report.statusCounts,
        },
        error,
      });
    }
    return { services };
  },
  artifacts(output) {
    return output.services.map((service) => ({
      path: `testing/load/${service.service}.json`,
      kind: 'load-test',
      contentType: 'application/json',
      content: JSON.stringify(service, null, 2) + '\n',
    }));
  },
};
