import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { visionArchitect } from '../../../agents/vision-to-architecture/visionArchitect';
import '../../../functions';
import type { RunDocument } from '../../../core/ports/runStore';
import { maxEntities } from '../../../agents/blueprint/architecture/domainModelParts';
import type { Vision } from '../../../toolchain/schemas/vision';
import { startTestFactory, type TestFactory } from '../../support/embeddedFactory';
import { FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
import { answerFrom, fakeEnv, recordBlueprintAnswers } from './support';

const vision = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);
const phaseAgents = visionToArchitectureAgents.length;
// The API Designer and the Event-Driven Architect compile their documents from the domain model: no call.
const modelAgents = visionToArchitectureAgents.filter((a) => a.uses === 'model').length;
// The Product Owner writes the sample's backlog (8 features) in two parts, a call each.
const modelCalls = modelAgents + 1;

describe('factory runs with --model azure-openai against the fake service', () => {
  let fake: FakeAzureOpenAi;
  let test: TestFactory;
  const saved = { ...process.env };
  const outputs = new Map<string, unknown>();

  beforeAll(async () => {
    // What each Vision-to-Architecture agent's blueprint produces for this vision: the fake's answers.
    for (const [name, output] of await recordBlueprintAnswers(visionToArchitectureAgents, vision))
      outputs.set(name, output);
    fake = await FakeAzureOpenAi.start(answerFrom(outputs));
    Object.assign(process.env, fakeEnv(fake));
    test = await startTestFactory();
  }, 120_000);

  afterAll(async () => {
    await test?.close();
    await fake?.close();
    process.env = saved;
  });

  const finished = async (runId: string): Promise<RunDocument> => {
    await test.waitFor(runId, (status) => ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(status));
    return (await test.ports.runs.get('test', runId))!;
  };

  it('stops cleanly at the budget with RunFailed budget-exceeded, keeping artifacts and the token accounting', async () => {
    const runId = await test.start(
      vision,
      { model: 'azure-openai', budget: { maxAgentCalls: phaseAgents } },
      'budget-run-1',
    );
    const doc = await finished(runId);
    expect(doc.status).toBe('Failed');
    expect(doc.failure?.reason).toBe('budget-exceeded');
    expect(doc.failure?.message).toMatch(/agent calls made, the budget allows/);
    // The whole first phase ran (its model agents on the model) and passed its gate; its artifacts are kept.
    expect(modelAgents).toBeLessThan(phaseAgents);
    expect(fake.requests).toHaveLength(modelCalls);
    expect(doc.gates[0]).toMatchObject({ phase: 'vision-to-architecture', passed: true });
    expect(doc.artifacts.some((a) => a.kind === 'openapi')).toBe(true);
    expect(doc.counters.promptTokens).toBeGreaterThan(1000);
    expect(doc.counters.completionTokens).toBeGreaterThan(1000);
    expect(doc.counters.estimatedCost).toBeGreaterThan(0);
    expect(Object.keys(doc.usage!.byAgent).sort()).toEqual(
      visionToArchitectureAgents.map((a) => a.name).sort(),
    );
    expect(doc.usage!.byPhase['vision-to-architecture']).toMatchObject({
      calls: modelCalls,
      promptTokens: doc.counters.promptTokens,
      completionTokens: doc.counters.completionTokens,
    });
    const events = (await test.ports.runs.listEvents('test', runId)).map((e) => e.type);
    expect(events).toContain('factory.RunFailed');
  });

  it('a new run of the same vision reuses every cached answer: no tokens for the work already done', async () => {
    const before = fake.requests.length;
    const runId = await test.start(
      vision,
      { model: 'azure-openai', budget: { maxAgentCalls: phaseAgents } },
      'budget-run-2',
    );
    const doc = await finished(runId);
    expect(doc.failure?.reason).toBe('budget-exceeded');
    expect(fake.requests.length).toBe(before);
    expect(doc.counters.promptTokens).toBe(0);
    expect(doc.usage!.byPhase['vision-to-architecture']).toMatchObject({ calls: 0, cacheHits: modelCalls });
  });

  it('stops at a token budget after the call that crossed it', async () => {
    // Run-scoped cache, so this run pays for its answers instead of reusing the tenant's.
    process.env.AZURE_OPENAI_CACHE = 'run';
    const before = fake.requests.length;
    const runId = await test.start(
      vision,
      { model: 'azure-openai', budget: { maxTokens: 3000 } },
      'budget-run-3',
    );
    const doc = await finished(runId);
    delete process.env.AZURE_OPENAI_CACHE;
    expect(doc.failure?.reason).toBe('budget-exceeded');
    expect(doc.failure?.message).toMatch(/tokens used, the budget allows 3000/);
    const made = fake.requests.length - before;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThan(modelAgents);
    expect(doc.counters.promptTokens + doc.counters.completionTokens).toBeGreaterThanOrEqual(3000);
    expect(doc.usage!.byPhase['vision-to-architecture'].calls).toBe(made);
  });

  it('stops between the parts of one agent once they cross the token budget, counting what they spent', async () => {
    process.env.AZURE_OPENAI_CACHE = 'run';
    const large = readFileSync(join(__dirname, '../../../bench/visions/large/harbour-town.md'), 'utf8');
    fake.handle(answerFrom(await recordBlueprintAnswers([visionArchitect], large)));
    try {
      const before = fake.requests.length;
      const runId = await test.start(
        large,
        { model: 'azure-openai', budget: { maxTokens: 3000 } },
        'budget-run-4',
      );
      const doc = await finished(runId);
      expect(doc.failure?.reason).toBe('budget-exceeded');
      expect(doc.failure?.message).toMatch(
        /agent visionArchitect stopped after 1 of [2-9] parts: budget-exceeded: \d+ tokens used, the budget allows 3000/,
      );
      // The first part was asked and paid for; the others were not asked.
      expect(fake.requests.length - before).toBe(1);
      expect(doc.usage!.byAgent.visionArchitect.calls).toBe(1);
      expect(doc.counters.promptTokens + doc.counters.completionTokens).toBeGreaterThanOrEqual(3000);
    } finally {
      fake.handle(answerFrom(outputs));
      delete process.env.AZURE_OPENAI_CACHE;
    }
  });

  it('fails a run whose vision has more entities than a model-written architecture holds, before asking for it', async () => {
    process.env.AZURE_OPENAI_CACHE = 'run';
    // The model reads the sample's entities and more, 41 in all, into the vision document.
    const read = outputs.get('visionArchitect') as Vision;
    const entities = [
      ...read.domain.entities,
      ...Array.from({ length: maxEntities + 1 - read.domain.entities.length }, (_, i) => ({
        ...read.domain.entities[0],
        name: `Thing${i + 1}`,
        plural: `Thing${i + 1}s`,
      })),
    ];
    fake.handle(
      answerFrom(
        new Map([...outputs, ['visionArchitect', { ...read, domain: { ...read.domain, entities } }]]),
      ),
    );
    try {
      const before = fake.requests.length;
      const runId = await test.start(vision, { model: 'azure-openai' }, 'too-large-run');
      const doc = await finished(runId);
      expect(doc.status).toBe('Failed');
      expect(doc.failure?.message).toContain(
        `the vision describes ${maxEntities + 1} entities; a product whose architecture a language model writes may have at most ${maxEntities}`,
      );
      // The Enterprise Architect asked nothing in this run.
      expect(
        fake.requests
          .slice(before)
          .some((r) => r.body.response_format!.json_schema!.name === 'enterpriseArchitect'),
      ).toBe(false);
    } finally {
      fake.handle(answerFrom(outputs));
      delete process.env.AZURE_OPENAI_CACHE;
    }
  });
});
