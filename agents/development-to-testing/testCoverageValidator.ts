import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { runNodeTests } from '../../toolchain/testing/runTests';
import { buildWithTestCases, loadServices } from '../../toolchain/testing/services';
import { agentSandbox } from '../runtime/sandbox';
import { defaultExitCriteria } from './qaEngineer';

export const coverageSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      measuredOn: z.string(),
      threshold: z.number(),
      lines: z.object({ total: z.number(), covered: z.number(), percent: z.number() }),
      branches: z.object({ total: z.number(), covered: z.number(), percent: z.number() }),
      files: z.array(
        z.object({
          path: z.string(),
          linePercent: z.number(),
          branchPercent: z.number(),
          uncoveredLines: z.array(z.number()),
        }),
      ),
      passed: z.boolean(),
      error: z.string().optional(),
    }),
  ),
});

export type CoverageReport = z.infer<typeof coverageSchema>;

const percent = (covered: number, total: number) =>
  total === 0 ? 100 : Math.round((covered / total) * 10000) / 100;

export const testCoverageValidator: AgentDefinition<CoverageReport> = {
  name: 'testCoverageValidator',
  role: 'Test Coverage Validator',
  phase: 'development-to-testing',
  purpose:
    'Measures line and branch coverage of each service from a real test run and checks it against the threshold.',
  uses: 'tools',
  reads: ['service-source', 'test-case', 'test-plan'],
  writes: ['coverage'],
  output: coverageSchema,
  async blueprint(ctx) {
    const plan = ctx.inputs('test-plan').length
      ? await ctx.inputJson<{ exitCriteria?: { lineCoverage?: number } }>('test-plan')
      : undefined;
    const threshold = plan?.exitCriteria?.lineCoverage ?? defaultExitCriteria.lineCoverage;
    const services: CoverageReport['services'] = [];
    for (const service of await loadServices(ctx)) {
      const built = await buildWithTestCases(ctx, service);
      const empty = { total: 0, covered: 0, percent: 0 };
      const run = built.outDir
        ? await runNodeTests(agentSandbox(), built.outDir, { coverage: true })
        : undefined;
      if (!run?.coverage) {
        services.push({
          service: service.slug,
          measuredOn: 'nothing',
          threshold,
          lines: empty,
          branches: empty,
          files: [],
          passed: false,
          error: built.outDir
            ? `no coverage reported: ${run?.errorOutput.slice(-500) ?? ''}`
            : 'the service does not compile',
        });
        continue;
      }
      const sum = (key: 'lines' | 'coveredLines' | 'branches' | 'coveredBranches') =>
        run.coverage!.reduce((n, f) => n + f[key], 0);
      const lines = {
        total: sum('lines'),
        covered: sum('coveredLines'),
        percent: percent(sum('coveredLines'), sum('lines')),
      };
      services.push({
        service: service.slug,
        // Node 20's test coverage cannot follow source maps reliably, so the compiled JavaScript is measured.
        measuredOn:
          'compiled JavaScript of src/ (CommonJS emitted by the TypeScript compiler, source maps removed)',
        threshold,
        lines,
        branches: {
          total: sum('branches'),
          covered: sum('coveredBranches'),
          percent: percent(sum('coveredBranches'), sum('branches')),
        },
        files: run.coverage.map((f) => ({
          path: f.path,
          linePercent: percent(f.coveredLines, f.lines),
          branchPercent: percent(f.coveredBranches, f.branches),
          uncoveredLines: f.uncoveredLines,
        })),
        passed: lines.percent >= threshold,
      });
    }
    return { services };
  },
  artifacts(output) {
    return output.services.map((service) => ({
      path: `testing/coverage/${service.service}.json`,
      kind: 'coverage',
      contentType: 'application/json',
      content: JSON.stringify(service, null, 2) + '\n',
    }));
  },
};
