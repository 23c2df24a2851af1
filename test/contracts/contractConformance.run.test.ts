import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backendDeveloper } from '../../agents/architecture-to-development/backendDeveloper';
import {
  contractTester,
  generatedRequestsPerService,
  type ContractConformance,
} from '../../agents/development-to-testing/contractTester';
import { qaEngineer, testAutomationEngineer, testGenerator } from '../../agents/development-to-testing';
import type { ServiceTestResults } from '../../agents/development-to-testing/testAutomationEngineer';
import { visionToArchitectureAgents } from '../../agents/vision-to-architecture';
import type { AgentDefinition } from '../../core/agent';
import { developmentToTestingGate } from '../../gates/development-to-testing';
import { gateContext, runAgents } from '../support/agentHarness';

/** The example visions, and three written for this suite: prose only, money in several places, front matter. */
const visions = [
  ...[
    'neighbourhood-tool-library',
    'clinic-appointments',
    'community-garden-plots',
    'food-bank-donations',
  ].map((name) => ({ name, file: join(__dirname, '../../examples/visions', `${name}.md`) })),
  ...['concert-tickets', 'climbing-gym', 'repair-cafe'].map((name) => ({
    name,
    file: join(__dirname, 'visions', `${name}.md`),
  })),
];

const agents = [
  ...visionToArchitectureAgents,
  backendDeveloper,
  qaEngineer,
  testGenerator,
  testAutomationEngineer,
  contractTester,
] as Array<AgentDefinition<unknown>>;

describe.each(visions)('the contract of every service generated for $name', ({ file }) => {
  let reports: ContractConformance['services'];
  let results: ServiceTestResults[];
  let criterion: { value: unknown; threshold: unknown; passed: boolean; findings: string[] } | undefined;

  beforeAll(async () => {
    const run = await runAgents(agents, { visionText: readFileSync(file, 'utf8') });
    const load = <T>(kind: string) =>
      Promise.all(
        run
          .all(kind)
          .filter((r) => r.path.endsWith('.json'))
          .map(
            async (r) =>
              JSON.parse((await run.store.get(run.tenantId, run.runId, r.path)).toString('utf8')) as T,
          ),
      );
    reports = await load<ContractConformance['services'][number]>('contract-conformance');
    results = await load<ServiceTestResults>('test-results');
    const criteria = await developmentToTestingGate.evaluate(gateContext(run, 'development-to-testing'));
    criterion = criteria.find((c) => c.name.startsWith('contract:'));
  }, 600_000);

  it('runs the acceptance tests green and checks every response they got', () => {
    expect(results.length).toBeGreaterThan(0);
    expect(results.map((r) => [r.service, r.failed])).toEqual(results.map((r) => [r.service, 0]));
    expect(reports.map((r) => r.service).sort()).toEqual(results.map((r) => r.service).sort());
    for (const report of reports) expect(report.fromAcceptanceTests).toBeGreaterThan(20);
  });

  it(`sends at least ${generatedRequestsPerService} generated requests per service, and every exchange conforms for both validators`, () => {
    for (const report of reports) {
      expect({
        service: report.service,
        error: report.error,
        findings: report.findings.slice(0, 10),
      }).toEqual({
        service: report.service,
        error: undefined,
        findings: [],
      });
      expect(report.generated.answered).toBe(report.generated.sent);
      expect(report.generated.sent).toBeGreaterThanOrEqual(generatedRequestsPerService);
      expect(report.responses).toBeGreaterThanOrEqual(
        report.generated.sent + report.fromAcceptanceTests - report.outsideContract,
      );
    }
  });

  it('passes the Testing gate criterion, which shows the count of checked responses', () => {
    expect(criterion).toMatchObject({ passed: true, findings: [] });
    expect(criterion!.value).toBe(reports.reduce((sum, r) => sum + r.responses, 0));
  });
});
