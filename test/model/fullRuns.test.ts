// Model suite (npm run test:model): whole factory runs with --model azure-openai against a fake Azure OpenAI
// that behaves like the service a run meets: it holds answers to max_completion_tokens, refuses a call with 429
// and retry-after, answers one agent off-schema first, and writes a policy body with a bug before fixing it.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { phases } from '../../core/phases';
import { agentCatalog } from '../../agents/catalog';
import { backlogParts } from '../../agents/blueprint/vision/backlogParts';
import { domainModelParts } from '../../agents/blueprint/architecture/domainModelParts';
import { visionParts } from '../../agents/blueprint/vision/visionParts';
import type { Roadmap } from '../../agents/blueprint/vision/roadmap';
import type { Vision } from '../../toolchain/schemas/vision';
import '../../functions';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';
import { completion, failure, FakeAzureOpenAi } from '../support/fakeAzureOpenAi';
import { answerFrom, fakeEnv, recordBlueprintAnswers } from '../agents/azureOpenAi/support';
import { selectedCases } from '../support/selectedCases';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** A rule the model types as a policy, and the bodies its Policy Writer answers in turn. */
interface PolicyCase {
  /** The rule's sentence, added to the vision's rules. */
  text: string;
  /** Its id in the domain model, and the function the compiler names after it. */
  ruleId: string;
  fn: string;
  rule: unknown;
  /** The first body (with a bug the examples catch) and the fix, once shown the failing example. */
  bodies: [string, string];
  /** What the report of the first body says. */
  failing: string;
}

interface RunCase {
  /** What `MODEL_SUITE_CASES` names it by. */
  key: string;
  name: string;
  vision: string;
  /** The agent whose first answer is off-schema, and that answer. */
  offSchema: { agent: string; answer: unknown };
  policy?: PolicyCase;
  /** Most prompt and completion tokens one pass may take (default 100,000 and 30,000). */
  onePass?: { prompt: number; completion: number };
}

const brokenTools: PolicyCase = {
  text: "A tool's name must never mention that the tool is broken.",
  ruleId: 'tool-rule-1',
  fn: 'policyToolRule1',
  rule: {
    kind: 'policy',
    on: 'write',
    status: 422,
    examples: [
      { allowed: true, why: 'it says nothing of its state' },
      { allowed: false, why: 'it says the tool is broken' },
      { allowed: false, why: 'it says the tool is broken' },
    ],
    values: [
      { example: 1, name: 'name', value: 'Hammer drill' },
      { example: 2, name: 'name', value: 'Broken ladder' },
      { example: 3, name: 'name', value: 'Saw (BROKEN)' },
    ],
  },
  bodies: ["return !record.name.includes('broken');", 'return !/\\bbroken\\b/i.test(record.name);'],
  failing: 'example 3 (name = "Saw (BROKEN)")',
};

const cases: RunCase[] = [
  {
    key: 'policy',
    name: 'the sample vision, with a rule only a policy expresses',
    vision: read('examples/visions/neighbourhood-tool-library.md').replace(
      '- A tool cannot be reserved',
      `- ${brokenTools.text}\n- A tool cannot be reserved`,
    ),
    offSchema: { agent: 'productOwner', answer: { epics: 'a list, surely' } },
    policy: brokenTools,
  },
  {
    key: 'clinic',
    name: 'the clinic appointments vision',
    vision: read('examples/visions/clinic-appointments.md'),
    offSchema: { agent: 'enterpriseArchitect', answer: { product: 'Clinic' } },
  },
  {
    key: 'garden',
    name: 'the community garden plots vision',
    vision: read('examples/visions/community-garden-plots.md'),
    offSchema: { agent: 'visionArchitect', answer: { title: 'Shifts' } },
  },
  {
    // Five kinds of service in one vision of about 5 KB: the vision and the backlog are asked in parts.
    key: 'long',
    name: 'a long vision (harbour town)',
    vision: read('bench/visions/large/harbour-town.md'),
    offSchema: { agent: 'solutionArchitect', answer: { solution: 'microservices' } },
    onePass: { prompt: 200_000, completion: 45_000 },
  },
];

/** The Enterprise Architect's answer with the case's rule typed as a policy instead of left unsupported. */
function withPolicy(model: unknown, policy: PolicyCase): unknown {
  const copy = JSON.parse(JSON.stringify(model)) as {
    contexts: Array<{ entities: Array<{ rules?: Array<{ id: string; text: string; rule: unknown }> }> }>;
  };
  const rule = copy.contexts
    .flatMap((c) => c.entities)
    .flatMap((e) => e.rules ?? [])
    .find((r) => r.text === policy.text);
  if (!rule) throw new Error(`the blueprint did not keep the rule "${policy.text}"`);
  expect(rule.id).toBe(policy.ruleId);
  rule.rule = policy.rule;
  return copy;
}

/**
 * `MODEL_SUITE_CASES=policy,long` runs only the cases named (CI runs the two that exercise more than the others: a
 * policy fixed by the loop, a vision asked in parts); all four by default.
 */
describe.each(selectedCases('MODEL_SUITE_CASES', cases, (c) => c.key))(
  'a whole run with --model azure-openai: $name',
  ({ vision, offSchema, policy, onePass }) => {
    const runId = 'full-azure-run';
    let fake: FakeAzureOpenAi;
    let test: TestFactory;
    const saved = { ...process.env };
    /** Each answer the fake gave: its agent, size and finish reason. */
    const answers: Array<{ agent: string; completionTokens: number; finishReason: string }> = [];

    beforeAll(async () => {
      // The answers: every agent's blueprint output for this vision, computed once in a separate home with the
      // same run id (the Code Committer's branch is named after it).
      const outputs = await recordBlueprintAnswers(agentCatalog, vision, {
        runId,
        home: mkdtempSync(join(tmpdir(), 'factory-answers-')),
      });
      if (policy) outputs.set('enterpriseArchitect', withPolicy(outputs.get('enterpriseArchitect'), policy));
      const answer = answerFrom(outputs);
      let rateLimited = false;
      let offSchemaGiven = false;
      fake = await FakeAzureOpenAi.start(async (request, index) => {
        const agent = request.body.response_format!.json_schema!.name;
        if (index === 2 && !rateLimited) {
          rateLimited = true;
          return failure(
            429,
            'Rate limit is exceeded. Try again in 1 second.',
            { 'retry-after': '1' },
            '429',
          );
        }
        if (agent === offSchema.agent && !offSchemaGiven) {
          offSchemaGiven = true;
          return completion(request, offSchema.answer);
        }
        const fixing = request.body.messages.at(-1)!.content.includes('does not pass');
        const reply =
          agent === 'policyWriter' && policy
            ? completion(request, { body: policy.bodies[fixing ? 1 : 0] })
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

    it('completes every phase, asking the model only what needs understanding, in small calls', async () => {
      await test.start(vision, { model: 'azure-openai' }, runId);
      const status = await test.waitFor(
        runId,
        (s) => ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(s),
        400_000,
      );
      const doc = (await test.ports.runs.get('test', runId))!;
      expect([status, doc.failure]).toEqual(['Completed', undefined]);
      expect(doc.gates.every((g) => g.passed)).toBe(true);
      const policyCalls = policy ? 2 : 0;
      const asked = [
        ...agentCatalog.filter((a) => a.uses === 'model').map((a) => a.name),
        ...(policy ? ['policyWriter'] : []),
      ];
      expect(new Set(fake.requests.map((r) => r.body.response_format!.json_schema!.name))).toEqual(
        new Set(asked),
      );
      // One call per model agent, except the parts of a long vision (a few paragraphs each), of the backlog
      // (four roadmap features each) and of a domain model of many entities (a frame, then a few entities
      // each), and one per policy answer, plus the retry after the 429 and the second round of the off-schema
      // answer.
      const json = async <T>(kind: string) => {
        const ref = doc.artifacts.find((a) => a.kind === kind && a.path.endsWith('.json'))!;
        return JSON.parse((await test.ports.artifacts.get('test', runId, ref.path)).toString('utf8')) as T;
      };
      const parts: Record<string, number> = {
        visionArchitect: Math.max(1, visionParts(vision).length),
        productOwner: Math.max(1, backlogParts(await json<Roadmap>('roadmap')).length),
        enterpriseArchitect: Math.max(1, domainModelParts(await json<Vision>('vision')).length),
      };
      const callsOf = (agent: string) => parts[agent] ?? 1;
      const modelCalls = asked.filter((a) => a !== 'policyWriter').reduce((sum, a) => sum + callsOf(a), 0);
      for (const agent of Object.keys(parts))
        expect([agent, doc.usage!.byAgent[agent].calls]).toEqual([
          agent,
          callsOf(agent) + (offSchema.agent === agent ? 1 : 0),
        ]);
      expect(fake.requests).toHaveLength(modelCalls + policyCalls + 2);
      expect(doc.usage!.byAgent[offSchema.agent].calls).toBe(callsOf(offSchema.agent) + 1);
      // Code, tests, migrations, clients and Bicep are compiled: of those phases only the Policy Writer asked.
      expect(doc.usage!.byPhase['architecture-to-development']?.calls ?? 0).toBe(policyCalls);
      for (const phase of phases.slice(2, 5)) expect(doc.usage!.byPhase[phase.id]?.calls ?? 0).toBe(0);
      expect(fake.requests.every((r) => r.body.max_completion_tokens === 16_384)).toBe(true);
      // Small calls: no answer needed more than 8,000 tokens, none was cut off.
      expect(answers).toHaveLength(modelCalls + policyCalls);
      for (const a of answers) {
        expect([a.agent, a.finishReason]).toEqual([a.agent, 'stop']);
        expect([a.agent, a.completionTokens <= 8_000]).toEqual([a.agent, true]);
      }
      // One pass of an example vision is under 100,000 prompt and 30,000 completion tokens (npm run bench --
      // tokens); the off-schema answer's second round adds that agent's prompt once more.
      const limits = onePass ?? { prompt: 100_000, completion: 30_000 };
      expect(doc.counters.promptTokens).toBeLessThan(
        limits.prompt + doc.usage!.byAgent[offSchema.agent].promptTokens / 2,
      );
      expect(doc.counters.completionTokens).toBeLessThan(limits.completion);
    }, 420_000);

    if (policy) {
      it('fixed the policy by the loop, compiled it into the service and ran its examples in phase 3', async () => {
        const doc = (await test.ports.runs.get('test', runId))!;
        const text = async (path: string) =>
          (await test.ports.artifacts.get('test', runId, path)).toString('utf8');
        expect(doc.usage!.byAgent.policyWriter).toMatchObject({ calls: 2 });
        const record = doc.artifacts.find((a) => a.path.endsWith('policies/policies.json'))!;
        const source = JSON.parse(await text(record.path)) as { policies: unknown[] };
        expect(source.policies).toEqual([
          expect.objectContaining({
            ruleId: policy.ruleId,
            function: policy.fn,
            body: policy.bodies[1],
            passed: true,
            attempts: [
              { body: policy.bodies[0], passed: false, report: expect.stringContaining(policy.failing) },
              { body: policy.bodies[1], passed: true, report: '' },
            ],
          }),
        ]);
        const services = doc.artifacts.filter((a) => a.kind === 'service-source');
        const indexes = await Promise.all(
          services.map(async (a) => JSON.parse(await text(a.path)) as { files: Array<{ path: string }> }),
        );
        expect(indexes.flatMap((i) => i.files.map((f) => f.path))).toContain(
          `src/domain/rulePolicies/${policy.fn}.ts`,
        );
        // Each service's test results (testing/results/<service>.json) list its cases.
        const results = doc.artifacts.filter((a) => /testing\/results\/[^/]+\.json$/.test(a.path));
        const ran = (
          await Promise.all(
            results.map(
              async (a) =>
                (JSON.parse(await text(a.path)) as { cases: Array<{ name: string; status: string }> }).cases,
            ),
          )
        ).flat();
        // Full test names: "<service>: the vision's rules over HTTP > <rule id>: <sentence>".
        expect(ran.filter((c) => c.name.includes(` > ${policy.ruleId}: `)).map((c) => c.status)).toEqual([
          'pass',
        ]);
      });
    }
  },
);
