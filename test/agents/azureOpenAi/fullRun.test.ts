import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phases } from '../../../core/phases';
import { agentCatalog } from '../../../agents/catalog';
import '../../../functions';
import { startTestFactory, type TestFactory } from '../../support/embeddedFactory';
import { FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
import { answerFrom, fakeEnv, recordBlueprintAnswers } from './support';

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
    const recorded = await recordBlueprintAnswers(agentCatalog, vision, {
      runId,
      home: process.env.FACTORY_HOME,
    });
    for (const [name, output] of recorded) outputs.set(name, output);
    fake = await FakeAzureOpenAi.start(answerFrom(outputs));
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
    const asked = agentCatalog.filter((a) => a.uses === 'model').map((a) => a.name);
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
        .filter((a) => a.uses === 'model' && a.deployment === 'code')
        .map((a) => a.name)
        .sort(),
    );
  }, 420_000);
});
