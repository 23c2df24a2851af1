import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../../../agents/agent';
import { phases } from '../../../orchestrations/phases';
import { agentCatalog } from '../../../agents/catalog';
import { modelRoleOf } from '../../../agents/runtime/azureOpenAi/provider';
import '../../../functions';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { runAgents } from '../../support/agentHarness';
import { startTestFactory, type TestFactory } from '../../support/embeddedFactory';
import { completion, FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
import { asStrictAnswer, fakeEnv } from './support';

const vision = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);
const runId = 'full-azure-run';

describe('a whole factory run with --model azure-openai against the fake service', () => {
  let fake: FakeAzureOpenAi;
  let test: TestFactory;
  const saved = { ...process.env };
  const outputs = new Map<string, unknown>();

  beforeAll(async () => {
    // The answers: every agent's blueprint output for this vision, computed once in a separate home with the
    // same run id (the Code Committer's branch is named after it).
    process.env.FACTORY_HOME = mkdtempSync(join(tmpdir(), 'factory-answers-'));
    const recording = agentCatalog.map((agent): AgentDefinition<unknown> => ({
      ...agent,
      blueprint: async (ctx) => {
        const output = await agent.blueprint(ctx);
        outputs.set(agent.name, JSON.parse(JSON.stringify(output)));
        return output;
      },
    }));
    await runAgents(recording, {
      visionText: vision,
      runId,
      store: new FilesystemArtifactStore(join(process.env.FACTORY_HOME, 'artifacts')),
    });
    fake = await FakeAzureOpenAi.start((request) => {
      const format = request.body.response_format!.json_schema!;
      if (!outputs.has(format.name)) throw new Error(`no answer for ${format.name}`);
      return completion(request, asStrictAnswer(outputs.get(format.name), format.schema));
    });
    Object.assign(process.env, fakeEnv(fake));
    test = await startTestFactory();
    process.env.FACTORY_HOME = test.home;
  }, 300_000);

  afterAll(async () => {
    await test?.close();
    await fake?.close();
    process.env = saved;
  });

  it('completes every phase with the model answering each agent, and accounts for the tokens', async () => {
    await test.start(vision, { model: 'azure-openai' }, runId);
    const status = await test.waitFor(
      runId,
      (s) => ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(s),
      400_000,
    );
    const doc = (await test.ports.runs.get('test', runId))!;
    expect([status, doc.failure]).toEqual(['Completed', undefined]);
    const asked = agentCatalog.filter((a) => modelRoleOf(a) !== 'measured').map((a) => a.name);
    expect(new Set(fake.requests.map((r) => r.body.response_format!.json_schema!.name))).toEqual(
      new Set(asked),
    );
    expect(fake.requests).toHaveLength(asked.length);
    expect(doc.gates.every((g) => g.passed)).toBe(true);
    expect(doc.counters.promptTokens).toBeGreaterThan(100_000);
    // Every phase asked the model something (each has at least one agent that is not measured).
    expect(Object.keys(doc.usage!.byPhase).sort()).toEqual(phases.map((p) => p.id).sort());
    const codeCalls = fake.requests
      .filter((r) => r.deployment === 'code-large')
      .map((r) => r.body.response_format!.json_schema!.name);
    expect(codeCalls.sort()).toEqual(
      agentCatalog
        .filter((a) => modelRoleOf(a) === 'code')
        .map((a) => a.name)
        .sort(),
    );
  }, 420_000);
});
