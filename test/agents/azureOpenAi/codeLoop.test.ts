import type { AgentDefinition } from '../../../core/agent';
import {
  backendDeveloper,
  type BackendOutput,
} from '../../../agents/architecture-to-development/backendDeveloper';
import { techLead } from '../../../agents/architecture-to-development/techLead';
import {
  testAutomationEngineer,
  type ServiceTestResults,
} from '../../../agents/development-to-testing/testAutomationEngineer';
import { createAzureOpenAiProvider } from '../../../agents/runtime/azureOpenAi/provider';
import { executeAgent } from '../../../agents/runtime/executeAgent';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { runAgents, type HarnessRun } from '../../support/agentHarness';
import { completion, FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { domainModelInput } from '../development/fixtures';
import { asStrictAnswer, contextIn, deployments, fakeSettings } from './support';

const developer = backendDeveloper as AgentDefinition<unknown>;
const tester = testAutomationEngineer as AgentDefinition<unknown>;

/** The defect a model might write: creation answers 200 instead of the 201 the OpenAPI document declares. */
function withDefect(output: BackendOutput): BackendOutput {
  return {
    ...output,
    services: output.services.map((service) => ({
      ...service,
      files: service.files.map((file) =>
        file.path === 'src/api/routes.ts'
          ? { ...file, content: file.content.replace(/status: 201/g, 'status: 200') }
          : file,
      ),
    })),
  };
}

/** Findings the way the Testing phase hands them back: one line per failing test. */
const findingsOf = (results: ServiceTestResults[]) =>
  results.flatMap((r) =>
    r.failures.map(
      (f) =>
        `[${r.service}] failing test "${f.name}" in ${f.file ?? 'n/a'}: ${(f.message ?? '').split('\n')[0]}`,
    ),
  );

describe('a code agent on azure-openai: failing tests come back as feedback and the next answer passes', () => {
  let fake: FakeAzureOpenAi;
  let run: HarnessRun;

  beforeAll(async () => {
    fake = await FakeAzureOpenAi.start();
    run = await runAgents(
      [domainModelInput(toolLibraryInOneContext), apiDesigner, techLead] as Array<AgentDefinition<unknown>>,
      {
        visionText: 'tool library',
      },
    );
  });
  afterAll(() => fake.close());

  it('fixes the defect named by the test findings', async () => {
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const correct = (await backendDeveloper.blueprint(contextIn(run, developer, run.refs))) as BackendOutput;
    const answer = (output: BackendOutput) => (request: Parameters<typeof completion>[0]) =>
      completion(
        request,
        asStrictAnswer(JSON.parse(JSON.stringify(output)), request.body.response_format!.json_schema!.schema),
      );
    fake.script(answer(withDefect(correct)), answer(correct));

    // Attempt 1: the model's code has the defect; the Test Automation Engineer runs the tests in the sandbox.
    const first = await executeAgent(developer, contextIn(run, developer, run.refs), provider);
    expect(fake.requests[0].deployment).toBe(deployments.code);
    const tested1 = await executeAgent(
      tester,
      contextIn(run, tester, [...run.refs, ...first.artifacts]),
      provider,
    );
    const results1 = await Promise.all(
      tested1.artifacts
        .filter((ref) => ref.kind === 'test-results')
        .map(
          async (ref) =>
            JSON.parse(
              (await run.store.get(run.tenantId, run.runId, ref.path)).toString(),
            ) as ServiceTestResults,
        ),
    );
    expect(results1[0].compiled).toBe(true);
    expect(results1[0].failed).toBeGreaterThan(0);
    const feedback = findingsOf(results1);
    expect(feedback.length).toBeGreaterThan(0);
    expect(feedback[0]).toMatch(/failing test .* in test\/api.test.ts/);

    // Attempt 2: the findings are in the developer's prompt, and the answer given with them passes.
    const second = await executeAgent(
      developer,
      contextIn(run, developer, run.refs, { attempt: 2, feedback }),
      provider,
    );
    const prompt = fake.requests[1].body.messages[1].content;
    expect(prompt).toContain('Feedback to fix (may be empty):');
    for (const finding of feedback) expect(prompt).toContain(finding);
    const tested2 = await executeAgent(
      tester,
      contextIn(run, tester, [...run.refs, ...second.artifacts], { attempt: 2 }),
      provider,
    );
    const results2 = await Promise.all(
      tested2.artifacts
        .filter((ref) => ref.kind === 'test-results')
        .map(
          async (ref) =>
            JSON.parse(
              (await run.store.get(run.tenantId, run.runId, ref.path)).toString(),
            ) as ServiceTestResults,
        ),
    );
    expect(results2[0].failed).toBe(0);
    expect(results2[0].passed).toBe(results2[0].tests);
    expect(results2[0].tests).toBeGreaterThan(0);
    // Only the developer asked the model; the tests were run, not asked for.
    expect(fake.requests).toHaveLength(2);
  }, 240_000);
});
