import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import type { AgentPorts } from '../../../agents/runtime/agentContext';
import type { RunDocument } from '../../../core/ports/runStore';
import { policyWriter, type PolicySource } from '../../../agents/architecture-to-development/policyWriter';
import { createAzureOpenAiProvider } from '../../../agents/runtime/azureOpenAi/provider';
import { executeAgent } from '../../../agents/runtime/executeAgent';
import { runAgents, type HarnessRun } from '../../support/agentHarness';
import { completion, FakeAzureOpenAi, type FakeRequest } from '../../support/fakeAzureOpenAi';
import {
  floorsBody,
  floorsBodyCaseSensitive,
  meetingRoomsWithPolicy,
} from '../../support/fixtures/roomFloors';
import { contextIn, deployments, fakeSettings } from './support';

const writer = policyWriter as AgentDefinition<unknown>;

/** What the model was last told: the slot's prompt, or the report of its previous answer. */
const lastMessage = (request: FakeRequest) => request.body.messages.at(-1)!.content;

describe('the Policy Writer on azure-openai: a policy body fixed by its failing examples', () => {
  let fake: FakeAzureOpenAi;
  let run: HarnessRun;
  let refs: ArtifactRef[];
  let attempt = 0;
  const ctx = () => contextIn(run, writer, refs, { attempt: ++attempt });
  /** The policy-source document among the artifacts an execution wrote. */
  const written = async (artifacts: ArtifactRef[]) => {
    const json = artifacts.find((a) => a.path.endsWith('policies/policies.json'))!;
    return JSON.parse(
      (await run.store.get(run.tenantId, run.runId, json.path)).toString('utf8'),
    ) as PolicySource;
  };

  beforeAll(async () => {
    fake = await FakeAzureOpenAi.start();
    run = await runAgents([], { visionText: 'meeting rooms' });
    const model = await run.store.put(
      run.tenantId,
      run.runId,
      'iteration-1/vision-to-architecture/attempt-1/architecture/domain-model.json',
      JSON.stringify(meetingRoomsWithPolicy(), null, 2),
      {
        kind: 'domain-model',
        phase: 'vision-to-architecture',
        agent: 'enterpriseArchitect',
        contentType: 'application/json',
      },
    );
    refs = [{ path: model.path, sha256: model.sha256, kind: 'domain-model' }];
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('sends the failing example back, and the second answer keeps them all', async () => {
    // A model that first forgets the case of "Floor", then fixes it once shown the failing example.
    fake.handle((request) =>
      completion(request, {
        body: /does not pass/.test(lastMessage(request)) ? floorsBody : floorsBodyCaseSensitive,
      }),
    );
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const result = await executeAgent(writer, ctx(), provider);
    expect(fake.requests.map((r) => r.deployment)).toEqual([deployments.code, deployments.code]);
    // One small call: the rule, the record type, the signature and the examples, not the whole model.
    const first = fake.requests[0].body.messages[1].content;
    expect(first).toContain('Rule room-floors: "A room name must not mention a floor');
    expect(first).toContain('function policyRoomFloors(record: Readonly<Room>): boolean {');
    expect(first).toMatch(/interface Room extends RoomProps/);
    expect(first).not.toContain('Booking');
    expect(lastMessage(fake.requests[1])).toContain(
      'example 4 (name = "Ivy (Floor 4)"): expected false (refused) because there is no floor 4; it returned true',
    );
    expect(result.usage).toMatchObject({ calls: 2, deployment: deployments.code });
    const source = await written(result.artifacts);
    expect(source.policies).toEqual([
      expect.objectContaining({
        ruleId: 'room-floors',
        entity: 'Room',
        function: 'policyRoomFloors',
        body: floorsBody,
        passed: true,
        attempts: [
          { body: floorsBodyCaseSensitive, passed: false, report: expect.stringContaining('example 4') },
          { body: floorsBody, passed: true, report: '' },
        ],
      }),
    ]);
  });

  it('stops after its attempts with the last body and why it fails, for the Testing gate to report', async () => {
    fake.handle((request) => completion(request, { body: floorsBodyCaseSensitive }));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const result = await executeAgent(writer, ctx(), provider);
    expect(fake.requests).toHaveLength(policyWriter.maxAttempts);
    expect(result.usage?.calls).toBe(policyWriter.maxAttempts);
    const [policy] = (await written(result.artifacts)).policies;
    expect(policy).toMatchObject({ body: floorsBodyCaseSensitive, passed: false });
    expect(policy.attempts.map((a) => a.passed)).toEqual([false, false, false]);
  });

  it("stops between answers once the run's token budget is spent, with what the answers cost", async () => {
    fake.handle((request) => completion(request, { body: floorsBodyCaseSensitive }));
    const doc = {
      options: { budget: { maxTokens: 100 } },
      counters: { agentCalls: 3, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
    } as unknown as RunDocument;
    const runs = { get: async () => doc } as unknown as AgentPorts['runs'];
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const stopped = executeAgent(
      writer,
      contextIn(run, writer, refs, { attempt: ++attempt, runs }),
      provider,
    );
    await expect(stopped).rejects.toMatchObject({
      name: 'BudgetExceededError',
      message: expect.stringMatching(
        /^agent policyWriter stopped before answer 2 of slot room-floors: budget-exceeded: \d+ tokens used, the budget allows 100$/,
      ),
      usage: expect.objectContaining({ calls: 1 }),
    });
    expect(fake.requests).toHaveLength(1);
  });

  it('never compiles in an answer that left its slot: the rule then refuses every record', async () => {
    fake.handle((request) => completion(request, { body: 'return globalThis.process === undefined;' }));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const result = await executeAgent(writer, ctx(), provider);
    const [policy] = (await written(result.artifacts)).policies;
    expect(policy.attempts.map((a) => a.report)).toEqual(
      Array.from({ length: policyWriter.maxAttempts }, () =>
        expect.stringMatching(/globalThis is not available/),
      ),
    );
    expect(policy.body).not.toContain('globalThis');
    expect(policy.body).toMatch(/return false;$/);
  });

  it('answers a rerun of the same attempt from the cache, and the blueprint says a model is needed', async () => {
    fake.handle((request) =>
      completion(request, {
        body: /does not pass/.test(lastMessage(request)) ? floorsBody : floorsBodyCaseSensitive,
      }),
    );
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake), artifacts: run.store });
    const same = contextIn(run, writer, refs, { attempt: 99 });
    await executeAgent(writer, same, provider);
    expect(fake.requests).toHaveLength(2);
    const again = await executeAgent(writer, contextIn(run, writer, refs, { attempt: 99 }), provider);
    expect(fake.requests).toHaveLength(2);
    expect(again.usage).toMatchObject({ calls: 0, cacheHits: 2 });
    await expect(policyWriter.blueprint(ctx())).rejects.toThrow(
      /room-floors are checked by policy functions, which only a language model writes/,
    );
  });
});
