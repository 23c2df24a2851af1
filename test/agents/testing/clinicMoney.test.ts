import { backendDeveloper } from '../../../agents/architecture-to-development/backendDeveloper';
import type { AgentDefinition } from '../../../core/agent';
import { developmentToTestingAgents } from '../../../agents/development-to-testing';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { runAgents, type HarnessRun } from '../../support/agentHarness';
import { clinicModel, domainModelInput } from '../development/fixtures';

/**
 * A second domain with two bounded contexts and money: the services carry amounts as the decimal strings their
 * OpenAPI documents declare, and their own tests plus the contract tests pass in the sandbox.
 */
describe('two contexts with money as decimal strings', () => {
  let run: HarnessRun;

  beforeAll(async () => {
    const pick = (...names: string[]) => developmentToTestingAgents.filter((a) => names.includes(a.name));
    run = await runAgents(
      [
        domainModelInput(clinicModel),
        apiDesigner,
        backendDeveloper,
        ...pick('qaEngineer', 'testGenerator', 'testAutomationEngineer', 'testCoverageValidator'),
      ] as Array<AgentDefinition<unknown>>,
      { visionText: 'clinic' },
    );
  }, 300_000);

  it('documents and implements money as decimal strings', async () => {
    const billingDoc = run.all('openapi').find((r) => r.path.endsWith('api/billing.openapi.json'))!;
    const doc = JSON.parse((await run.store.get('test', 'run-1', billingDoc.path)).toString()) as {
      components: {
        schemas: Record<string, { properties: Record<string, { type: string; pattern: string }> }>;
      };
    };
    const amount = doc.components.schemas.Invoice.properties.amount;
    expect(amount.type).toBe('string');
    const billing = run.all('service-source').find((r) => r.path.includes('services/billing'))!;
    const index = JSON.parse((await run.store.get('test', 'run-1', billing.path)).toString()) as {
      root: string;
    };
    const invoice = (await run.store.get('test', 'run-1', `${index.root}/src/domain/invoice.ts`)).toString();
    expect(invoice).toMatch(/amount: string;/);
    expect(invoice).toContain(`pattern: new RegExp(${JSON.stringify(amount.pattern)})`);
  });

  it('passes every test of both services and reaches the coverage threshold', async () => {
    const results = await Promise.all(
      run.all('test-results').map(
        async (ref) =>
          JSON.parse((await run.store.get('test', 'run-1', ref.path)).toString()) as {
            service: string;
            tests: number;
            failed: number;
            failures: unknown[];
          },
      ),
    );
    expect(results.map((r) => r.service).sort()).toEqual(['billing', 'scheduling']);
    for (const result of results) {
      expect(result.failures).toEqual([]);
      expect(result.tests).toBeGreaterThan(30);
    }
    for (const ref of run.all('coverage')) {
      const coverage = JSON.parse((await run.store.get('test', 'run-1', ref.path)).toString()) as {
        lines: { percent: number };
        passed: boolean;
      };
      expect(coverage.lines.percent).toBeGreaterThanOrEqual(80);
      expect(coverage.passed).toBe(true);
    }
  });
});
