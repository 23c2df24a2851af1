import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phases } from '../../../core/phases';
import { agentCatalog } from '../../../agents/catalog';
import '../../../functions';
import { startTestFactory, type TestFactory } from '../../support/embeddedFactory';
import { completion, failure, FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
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
  /** Each answer the fake gave from the recorded outputs: its agent, size and finish reason. */
  const answers: Array<{ agent: string; completionTokens: number; finishReason: string }> = [];

  beforeAll(async () => {
    // The answers: every agent's blueprint output for this vision, computed once in a separate home with the
    // same run id (the Code Committer's branch is named after it).
    const recorded = await recordBlueprintAnswers(agentCatalog, vision, {
      runId,
      home: mkdtempSync(join(tmpdir(), 'factory-answers-')),
    });
    for (const [name, output] of recorded) outputs.set(name, output);
    const answer = answerFrom(outputs);
    let rateLimited = false;
    let offSchema = false;
    // A model service as a run meets it: the third call is refused with 429 and retry-after, the Product Owner's
    // first answer is off-schema, and every answer is held to max_completion_tokens (cut off beyond it).
    fake = await FakeAzureOpenAi.start(async (request, index) => {
      const agent = request.body.response_format!.json_schema!.name;
      if (index === 2 && !rateLimited) {
        rateLimited = true;
        return failure(429, 'Rate limit is exceeded. Try again in 1 second.', { 'retry-after': '1' }, '429');
      }
      if (agent === 'productOwner' && !offSchema) {
        offSchema = true;
        return completion(request, { epics: 'a list, surely' });
      }
      const reply = await answer(request, index);
      const body = reply.body as {
        usage: { completion_tokens: number };
        choices: [{ finish_reason: string }];
      };
      answers.push({
        agent,
        completionTokens: body.usage.completion_tokens,
        finishReason: body.choices[0].finish_reason,
      });
      return reply;
    });
    Object.assign(process.env, fakeEnv(fake));
    test = await startTestFactory();
  }, 300_000);

  afterAll(async () => {
    await test?.close();
    await fake?.close();
    process.env = saved;
  });

  it('completes every phase with the model asked only what needs understanding, in small calls, through a 429 and an off-schema answer', async () => {
    await test.start(vision, { model: 'azure-openai' }, runId);
    const status = await test.waitFor(
      runId,
      (s) => ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(s),
      400_000,
    );
    const doc = (await test.ports.runs.get('test', runId))!;
    expect([status, doc.failure]).toEqual(['Completed', undefined]);
    expect(doc.gates.every((g) => g.passed)).toBe(true);
    const asked = agentCatalog.filter((a) => a.uses === 'model').map((a) => a.name);
    expect(new Set(fake.requests.map((r) => r.body.response_format!.json_schema!.name))).toEqual(
      new Set(asked),
    );
    // One call per model agent, plus the retry after the 429 and the second round of the off-schema answer.
    expect(fake.requests).toHaveLength(asked.length + 2);
    expect(doc.usage!.byAgent.productOwner.calls).toBe(2);
    // Code, tests, migrations, clients and Bicep are compiled: no agent of those phases asked the model.
    for (const phase of phases.slice(1, 5)) expect(doc.usage!.byPhase[phase.id]?.calls ?? 0).toBe(0);
    expect(fake.requests.every((r) => r.body.max_completion_tokens === 16_384)).toBe(true);
    // Small calls: no answer needed more than 8,000 tokens, none was cut off.
    expect(answers).toHaveLength(asked.length);
    for (const a of answers) {
      expect([a.agent, a.finishReason]).toEqual([a.agent, 'stop']);
      expect([a.agent, a.completionTokens <= 8_000]).toEqual([a.agent, true]);
    }
    // One pass is under 100,000 prompt and 30,000 completion tokens (npm run bench -- tokens); the Product
    // Owner's second round adds its prompt once more.
    expect(doc.counters.promptTokens).toBeLessThan(
      100_000 + doc.usage!.byAgent.productOwner.promptTokens / 2,
    );
    expect(doc.counters.completionTokens).toBeLessThan(30_000);
  }, 420_000);
});
