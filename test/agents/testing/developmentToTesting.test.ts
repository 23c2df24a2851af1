import { backendDeveloper } from '../../../agents/architecture-to-development/backendDeveloper';
import type { AgentDefinition } from '../../../core/agent';
import { bugFeedback, type BugReport } from '../../../agents/development-to-testing/bugInvestigator';
import type { ContractConformance } from '../../../agents/development-to-testing/contractTester';
import { developmentToTestingAgents } from '../../../agents/development-to-testing';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { developmentToTestingGate } from '../../../gates/development-to-testing';
import { copyInto, evaluateGate, runAgents, type HarnessRun } from '../../support/agentHarness';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { toolLibraryBacklog } from '../../support/fixtures/toolLibraryBacklog';
import { backlogInput, domainModelInput } from '../development/fixtures';
import { developmentToTesting } from '../../../orchestrations/developmentToTesting';
import { phaseSteps } from '../../../orchestrations/phaseSteps';

const phase1 = [
  domainModelInput(toolLibraryInOneContext),
  backlogInput(toolLibraryBacklog),
  apiDesigner,
  backendDeveloper,
] as Array<AgentDefinition<unknown>>;

describe('Development to Testing', () => {
  let built: HarnessRun;
  let tested: HarnessRun;

  beforeAll(async () => {
    built = await runAgents(phase1, { visionText: 'tool library' });
    tested = await runAgents(developmentToTestingAgents, {
      visionText: 'tool library',
      store: built.store,
      inputs: built.refs.slice(1),
    });
  }, 300_000);

  it('declares the seed order with load, chaos and the contract check in parallel', () => {
    expect(phaseSteps(developmentToTesting, 'development-to-testing')).toEqual([
      'qaEngineer',
      'testGenerator',
      'testAutomationEngineer',
      'testCoverageValidator',
      ['loadTester', 'chaosEngineer', 'contractTester'],
      'uiTester',
      'bugInvestigator',
      'codeReviewer',
    ]);
  });

  it('executes the service tests and the generated contract tests, all passing', async () => {
    const results = await tested.json<{
      tests: number;
      passed: number;
      failed: number;
      addedTests: string[];
      cases: Array<{ file: string }>;
    }>('test-results');
    expect(results.failed).toBe(0);
    expect(results.passed).toBe(results.tests);
    expect(results.tests).toBeGreaterThan(80);
    expect(results.addedTests).toEqual(['test/contract/lending.contract.test.ts']);
    expect(results.cases.some((c) => c.file === 'test/contract/lending.contract.test.ts')).toBe(true);
  });

  it("writes BDD features from the stories' acceptance scenarios", async () => {
    const index = await tested.json<{ root: string; files: Array<{ path: string }> }>('test-case');
    expect(index.files.map((f) => f.path).sort()).toEqual([
      'features/loan.feature',
      'features/member.feature',
      'features/tool.feature',
      'test/contract/lending.contract.test.ts',
    ]);
    const feature = (
      await tested.store.get('test', 'run-1', `${index.root}/features/loan.feature`)
    ).toString();
    expect(feature).toContain(
      '  @US-002 @negative\n  Scenario: A returned loan cannot be approved\n    Given a returned loan\n    When I approve it\n    Then the request is refused as a conflict',
    );
    expect(feature).toContain('    Given I am a registered member\n    And the drill is available');
    expect(feature).toContain('  Scenario: ApproveLoan\n    Given a loan in state requested');
  });

  it('measures at least 80% line coverage of src/', async () => {
    const coverage = await tested.json<{
      lines: { percent: number };
      branches: { percent: number };
      files: Array<{ path: string }>;
    }>('coverage');
    expect(coverage.lines.percent).toBeGreaterThanOrEqual(80);
    expect(coverage.branches.percent).toBeGreaterThan(0);
    expect(coverage.files.map((f) => f.path)).toContain('src/api/server.js');
  });

  it('reports load and chaos results, a clean review, an empty bug report, and passes the gate', async () => {
    const load = await tested.json<{
      result: { requests: number; errorRate: number; latencyMs: { p95: number } };
    }>('load-test');
    expect(load.result.requests).toBeGreaterThan(100);
    expect(load.result.errorRate).toBe(0);
    const chaos = await tested.json<{
      experiments: Array<{ name: string; survived: boolean }>;
      survived: number;
      total: number;
    }>('chaos-test');
    expect(chaos.total).toBe(11);
    expect(chaos.experiments.filter((e) => !e.survived)).toEqual([]);
    expect((await tested.json<BugReport>('bug-report')).bugs).toEqual([]);
    expect(await tested.text('quality-report')).toContain('"verdict": "pass"');
    const criteria = await evaluateGate(developmentToTestingGate, tested);
    expect(criteria.filter((c) => !c.passed)).toEqual([]);
  });

  it('checks every response of the acceptance tests and of 200 generated requests against the OpenAPI', async () => {
    const report = await tested.json<ContractConformance['services'][number]>('contract-conformance');
    expect(report.findings).toEqual([]);
    expect(report.error).toBeUndefined();
    expect(report.generated.sent).toBeGreaterThanOrEqual(200);
    expect(report.generated.answered).toBe(report.generated.sent);
    expect(report.fromAcceptanceTests).toBeGreaterThan(100);
    expect(report.responses).toBeGreaterThanOrEqual(report.generated.sent + 100);
    expect(report.validators).toHaveLength(2);
  });

  it('closes the loop: a defect fails tests and the gate, the bug report names it, the rerun fixes it', async () => {
    // Corrupt the create handler (201 becomes 200) in a copy of the service, as a faulty attempt would.
    const ref = built.all('service-source')[0];
    const ctx = createAgentContext({
      store: built.store,
      runId: built.runId,
      tenantId: built.tenantId,
      iteration: 1,
      attempt: 2,
      phase: 'architecture-to-development',
      agent: 'backendDeveloper',
      inputs: [],
    });
    const files = (await ctx.readFolder(ref)).map((f) =>
      f.path === 'src/api/routes.ts'
        ? {
            path: f.path,
            content: f.content
              .toString()
              .replace('return { status: 201, body: created', 'return { status: 200, body: created'),
          }
        : f,
    );
    const defective = await ctx.writeFolder({ folder: 'services/lending', kind: 'service-source', files });
    const base = built.refs.slice(1).filter((r) => r.kind !== 'service-source');
    const testing = developmentToTestingAgents.filter((a) =>
      ['testGenerator', 'testAutomationEngineer', 'bugInvestigator'].includes(a.name),
    );
    const copied = await copyInto(built, 'run-defect', [...base, defective]);
    const run = await runAgents(testing, {
      visionText: 'tool library',
      store: built.store,
      runId: 'run-defect',
      inputs: copied,
    });
    const results = await run.json<{
      failed: number;
      failures: Array<{ name: string; file: string; message: string }>;
    }>('test-results');
    expect(results.failed).toBeGreaterThan(0);
    expect(results.failures.map((f) => f.name)).toContain(
      'Lending service HTTP API > /v1/members > create, get, list, update and delete a Member',
    );
    expect(results.failures.find((f) => f.file === 'test/api.test.ts')?.message).toMatch(/200 !== 201/);
    const criteria = await evaluateGate(developmentToTestingGate, run);
    const tests = criteria.find((c) => c.name === 'failing tests')!;
    expect(tests.passed).toBe(false);
    expect(tests.findings.join('\n')).toContain(
      'test "Lending service HTTP API > /v1/members > create, get, list, update and delete a Member" failed in test/api.test.ts',
    );
    const report = await run.json<BugReport>('bug-report');
    const bug = report.bugs.find((b) => b.file === 'test/api.test.ts')!;
    expect(bug.suspectFiles).toContain('src/api/routes.ts');

    // The Backend Developer reruns with the bug report as feedback; the new code passes the same tests.
    const feedback = bugFeedback(report);
    const rerun = await runAgents(
      [domainModelInput(toolLibraryInOneContext), apiDesigner, backendDeveloper] as Array<
        AgentDefinition<unknown>
      >,
      {
        visionText: 'tool library',
        store: built.store,
        runId: 'run-fixed',
        feedback,
      },
    );
    const fixedFiles = await createAgentContext({
      store: built.store,
      runId: 'run-fixed',
      tenantId: 'test',
      iteration: 1,
      attempt: 1,
      phase: 'architecture-to-development',
      agent: 'x',
      inputs: [],
    }).readFolder(rerun.all('service-source')[0]);
    expect(fixedFiles.find((f) => f.path === 'FEEDBACK.md')?.content.toString()).toContain(
      'src/api/routes.ts',
    );
    const retest = await runAgents(testing, {
      visionText: 'tool library',
      store: built.store,
      runId: 'run-fixed',
      inputs: rerun.refs.slice(1),
    });
    const fixed = await retest.json<{ failed: number; passed: number; tests: number }>('test-results');
    expect(fixed.failed).toBe(0);
    expect(fixed.passed).toBe(fixed.tests);
  }, 300_000);
});
