import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { exchangeSchema } from '../../toolchain/testing/contract/exchange';
import { runNodeTests } from '../../toolchain/testing/runTests';
import { buildWithTestCases, describeDiagnostics, loadServices } from '../../toolchain/testing/services';

const caseSchema = z.object({
  name: z.string(),
  file: z.string().nullable(),
  status: z.enum(['pass', 'fail', 'skip']),
  durationMs: z.number(),
  message: z.string().optional(),
  location: z.string().optional(),
});

export const testResultsSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      source: z.string(),
      compiled: z.boolean(),
      diagnostics: z.array(z.string()),
      addedTests: z.array(z.string()),
      tests: z.number().int(),
      passed: z.number().int(),
      failed: z.number().int(),
      skipped: z.number().int(),
      durationMs: z.number(),
      failures: z.array(caseSchema),
      cases: z.array(caseSchema),
      /** What the services answered while the tests ran, kept apart for the API Contract Tester. */
      exchanges: z.array(exchangeSchema),
    }),
  ),
});

export type TestResults = z.infer<typeof testResultsSchema>;
export type ServiceTestResults = TestResults['services'][number];

export const testAutomationEngineer: AgentDefinition<TestResults> = {
  name: 'testAutomationEngineer',
  role: 'Test Automation Engineer',
  phase: 'development-to-testing',
  purpose:
    'Compiles each service with its generated tests and executes them in the sandbox, reporting the real results.',
  uses: 'tools',
  reads: ['service-source', 'test-case'],
  writes: ['test-results', 'http-exchanges'],
  output: testResultsSchema,
  async blueprint(ctx) {
    const services: TestResults['services'] = [];
    for (const service of await loadServices(ctx)) {
      const built = await buildWithTestCases(ctx, service);
      const base = {
        service: service.slug,
        source: service.source,
        addedTests: built.addedTests,
        diagnostics: describeDiagnostics(built.diagnostics),
      };
      if (!built.outDir) {
        const failure = {
          name: 'compile',
          file: null,
          status: 'fail' as const,
          durationMs: 0,
          message: base.diagnostics.slice(0, 20).join('\n'),
        };
        services.push({
          ...base,
          compiled: false,
          tests: 0,
          passed: 0,
          failed: 1,
          skipped: 0,
          durationMs: 0,
          failures: [failure],
          cases: [failure],
          exchanges: [],
        });
        continue;
      }
      const run = await runNodeTests(ctx.sandbox(), built.outDir, { recordExchanges: true });
      ctx.log(`${service.slug}: ${run.passed}/${run.tests} passed in ${run.durationMs} ms`);
      services.push({
        ...base,
        compiled: true,
        tests: run.tests,
        passed: run.passed,
        failed: run.failed,
        skipped: run.skipped,
        durationMs: run.durationMs,
        failures: run.cases.filter((c) => c.status === 'fail'),
        cases: run.cases,
        exchanges: run.exchanges,
      });
    }
    return { services };
  },
  artifacts(output) {
    return output.services.flatMap(({ exchanges, ...results }) => [
      {
        path: `testing/results/${results.service}.json`,
        kind: 'test-results' as const,
        contentType: 'application/json',
        content: JSON.stringify(results, null, 2) + '\n',
      },
      {
        path: `testing/exchanges/${results.service}.json`,
        kind: 'http-exchanges' as const,
        contentType: 'application/json',
        content: JSON.stringify({ service: results.service, exchanges }) + '\n',
      },
    ]);
  },
};
