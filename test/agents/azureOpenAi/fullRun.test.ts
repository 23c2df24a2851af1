import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phases } from '../../../core/phases';
import { agentCatalog } from '../../../agents/catalog';
import '../../../functions';
import { startTestFactory, type TestFactory } from '../../support/embeddedFactory';
import { completion, failure, FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
import { answerFrom, fakeEnv, recordBlueprintAnswers } from './support';

// The sample vision with a rule no kind of the rule engine expresses: the model types it as a policy.
const brokenRule = "A tool's name must never mention that the tool is broken.";
const vision = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
).replace('- A tool cannot be reserved', `- ${brokenRule}\n- A tool cannot be reserved`);

/** How the model types the rule: a policy on Tool with examples of names it allows and refuses. */
const brokenPolicy = {
  kind: 'policy',
  on: 'write',
  status: 422,
  examples: [
    { fields: [{ name: 'name', value: 'Hammer drill' }], allowed: true, why: 'it says nothing of its state' },
    { fields: [{ name: 'name', value: 'Broken ladder' }], allowed: false, why: 'it says the tool is broken' },
    { fields: [{ name: 'name', value: 'Saw (BROKEN)' }], allowed: false, why: 'it says the tool is broken' },
  ],
};
/** The Policy Writer's model: first a body that forgets the case, then, shown the failing example, the fix. */
const brokenBodies = [
  "return !record.name.includes('broken');",
  'return !/\\bbroken\\b/i.test(record.name);',
];

/** The Enterprise Architect's answer with the rule typed as a policy instead of left unsupported. */
function withPolicy(model: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(model)) as {
    contexts: Array<{ entities: Array<{ rules?: Array<{ text: string; rule: unknown }> }> }>;
  };
  const rule = copy.contexts
    .flatMap((c) => c.entities)
    .flatMap((e) => e.rules ?? [])
    .find((r) => r.text === brokenRule);
  if (!rule) throw new Error('the blueprint did not keep the rule about broken tools');
  rule.rule = brokenPolicy;
  return copy;
}
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
    outputs.set('enterpriseArchitect', withPolicy(outputs.get('enterpriseArchitect')));
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
      const reply =
        agent === 'policyWriter'
          ? completion(request, {
              body: brokenBodies[request.body.messages.at(-1)!.content.includes('does not pass') ? 1 : 0],
            })
          : await answer(request, index);
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
    const asked = [...agentCatalog.filter((a) => a.uses === 'model').map((a) => a.name), 'policyWriter'];
    expect(new Set(fake.requests.map((r) => r.body.response_format!.json_schema!.name))).toEqual(
      new Set(asked),
    );
    // One call per model agent and one per policy answer (two: the fix loop), plus the retry after the 429 and
    // the second round of the off-schema answer.
    expect(fake.requests).toHaveLength(asked.length + 1 + 2);
    expect(doc.usage!.byAgent.productOwner.calls).toBe(2);
    // The policy was fixed by the loop: its first body let "Saw (BROKEN)" through, the second keeps the examples.
    expect(doc.usage!.byAgent.policyWriter).toMatchObject({ calls: 2 });
    const policies = doc.artifacts.find((a) => a.path.endsWith('policies/policies.json'))!;
    const source = JSON.parse(
      (await test.ports.artifacts.get('test', runId, policies.path)).toString('utf8'),
    ) as {
      policies: Array<{
        ruleId: string;
        passed: boolean;
        attempts: Array<{ passed: boolean; report: string }>;
      }>;
    };
    expect(source.policies).toEqual([
      expect.objectContaining({
        ruleId: 'tool-rule-1',
        passed: true,
        attempts: [
          {
            body: brokenBodies[0],
            passed: false,
            report: expect.stringContaining('example 3 (name = "Saw (BROKEN)")'),
          },
          { body: brokenBodies[1], passed: true, report: '' },
        ],
      }),
    ]);
    // The service compiles the body into its slot, and phase 3 ran the examples over HTTP with the rule tests.
    const read = async (path: string) =>
      (await test.ports.artifacts.get('test', runId, path)).toString('utf8');
    const tools = doc.artifacts.filter(
      (a) => a.kind === 'service-source' && a.path.includes('services/tools/'),
    );
    const index = JSON.parse(await read(tools.at(-1)!.path)) as { files: Array<{ path: string }> };
    expect(index.files.map((f) => f.path)).toContain('src/domain/rulePolicies/policyToolRule1.ts');
    const results = doc.artifacts.filter((a) => a.kind === 'test-results' && a.path.endsWith('.json'));
    const cases = (
      await Promise.all(
        results.map(async (a) =>
          (
            JSON.parse(await read(a.path)) as {
              services: Array<{ cases: Array<{ name: string; status: string }> }>;
            }
          ).services.flatMap((service) => service.cases),
        ),
      )
    ).flat();
    expect(cases.filter((c) => c.name.startsWith('tool-rule-1: ')).map((c) => c.status)).toEqual(['pass']);
    // Code, tests, migrations, clients and Bicep are compiled: only the Policy Writer of those phases asked.
    expect(doc.usage!.byPhase['architecture-to-development'].calls).toBe(2);
    for (const phase of phases.slice(2, 5)) expect(doc.usage!.byPhase[phase.id]?.calls ?? 0).toBe(0);
    expect(fake.requests.every((r) => r.body.max_completion_tokens === 16_384)).toBe(true);
    // Small calls: no answer needed more than 8,000 tokens, none was cut off.
    expect(answers).toHaveLength(asked.length + 1);
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
