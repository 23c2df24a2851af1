import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AgentDefinition, ArtifactRef, ModelAgentDefinition } from '../../../core/agent';
import { testAutomationEngineer } from '../../../agents/development-to-testing/testAutomationEngineer';
import { ArtifactResponseCache, tenantCacheRun } from '../../../agents/runtime/azureOpenAi/cache';
import {
  ContentFilteredError,
  ModelOutputError,
  ModelRefusalError,
  TruncatedOutputError,
} from '../../../agents/runtime/azureOpenAi/errors';
import { tokensOf } from '../../../agents/runtime/azureOpenAi/prompt';
import { createAzureOpenAiProvider, zeroUsage } from '../../../agents/runtime/azureOpenAi/provider';
import { ModelServiceError, PromptFilteredError } from '../../../agents/runtime/azureOpenAi/transport';
import { executeAgent, ModelCallError } from '../../../agents/runtime/executeAgent';
import {
  checkModelConfiguration,
  modelProviders,
  ModelConfigurationError,
} from '../../../agents/runtime/modelProviders';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import type { Backlog } from '../../../toolchain/schemas/backlog';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import type { Vision } from '../../../toolchain/schemas/vision';
import { runAgents, type HarnessRun } from '../../support/agentHarness';
import { completion, failure, FakeAzureOpenAi } from '../../support/fakeAzureOpenAi';
import {
  answerFrom,
  asStrictAnswer,
  blueprintAnswers,
  contextIn,
  deployments,
  fakeEnv,
  fakeSettings,
} from './support';

const vision = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);
const byName = (name: string) =>
  visionToArchitectureAgents.find((a): a is ModelAgentDefinition => a.uses === 'model' && a.name === name)!;
const chain = [
  'visionArchitect',
  'productManager',
  'productOwner',
  'enterpriseArchitect',
  'businessAnalyst',
].map(byName);

describe('azure-openai provider against a local fake Azure OpenAI', () => {
  let fake: FakeAzureOpenAi;
  let run: HarnessRun;
  /** The references each agent of the chain saw when the blueprint ran it. */
  const seen = new Map<string, ArtifactRef[]>();

  beforeAll(async () => {
    fake = await FakeAzureOpenAi.start();
    run = await runAgents(chain, { visionText: vision });
    let refs = run.refs.slice(0, 1);
    for (const [i, agent] of chain.entries()) {
      seen.set(agent.name, refs);
      refs = [...refs, ...run.results[i].artifacts];
    }
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const ctxFor = (agent: AgentDefinition<unknown>, options: Parameters<typeof contextIn>[3] = {}) =>
    contextIn(run, agent, seen.get(agent.name) ?? run.refs, options);

  it('drives several agents with structured outputs and writes exactly what their schemas describe', async () => {
    const targets = ['visionArchitect', 'productManager', 'enterpriseArchitect', 'businessAnalyst'].map(
      byName,
    );
    fake.handle(blueprintAnswers(targets.map((agent) => ({ agent, ctx: () => ctxFor(agent) }))));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    for (const [i, agent] of targets.entries()) {
      const result = await executeAgent(agent, ctxFor(agent), provider);
      // Same output as the blueprint, so the same artifact content at the same paths.
      const blueprint = run.results[chain.indexOf(agent)].artifacts;
      expect(result.artifacts).toEqual(blueprint);
      expect(result.usage).toMatchObject({ calls: 1, cacheHits: 0, deployment: deployments.simple });
      expect(result.usage!.promptTokens).toBeGreaterThan(100);
      expect(result.usage!.estimatedCost).toBeGreaterThan(0);
      const request = fake.requests[i];
      expect(request.deployment).toBe(deployments.simple);
      expect(request.apiVersion).toBe('2025-04-01-preview');
      expect(request.headers['api-key']).toBe('test-key');
      expect(request.body.response_format?.type).toBe('json_schema');
      expect(request.body.response_format?.json_schema?.name).toBe(agent.name);
      expect(request.body.messages[0]).toMatchObject({ role: 'system' });
      expect(request.body.messages[0].content).toContain(agent.prompt.system.slice(0, 60));
    }
    // The Vision Architect's prompt carries the vision itself.
    expect(fake.requests[0].body.messages[1].content).toContain(
      'A member may borrow at most 3 tools at the same time.',
    );
    expect(fake.requests.map((r) => r.body.response_format?.json_schema?.strict)).toEqual([
      true,
      true,
      true,
      true,
    ]);
    // JSON inputs reach the model without their indentation: the Business Analyst reads the stored backlog.
    expect(fake.requests[3].body.messages[1].content).toContain('{"');
    expect(fake.requests[3].body.messages[1].content).not.toMatch(/\{\n {2}"/);
  });

  it('asks for a backlog a few features per call and merges the parts into the backlog one call would give', async () => {
    const productOwner = byName('productOwner');
    const whole = JSON.parse(JSON.stringify(await productOwner.blueprint(ctxFor(productOwner)))) as Backlog;
    fake.handle(answerFrom(new Map([['productOwner', whole]])));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const logged: string[] = [];
    const result = await executeAgent(
      productOwner,
      ctxFor(productOwner, { log: (m) => logged.push(m) }),
      provider,
    );
    // The sample's eight features: two calls of four, each told which features are its own.
    expect(whole.epics).toHaveLength(8);
    expect(fake.requests).toHaveLength(2);
    const focus = fake.requests.map((r) =>
      r.body.messages[1].content.split('\n').find((l) => l.startsWith('Features of this part:')),
    );
    expect(focus[0]).toMatch(/^Features of this part: F\d+ \(.+\)(, F\d+ \(.+\)){3}\.$/);
    expect(new Set(focus).size).toBe(2);
    expect(result.usage).toMatchObject({ calls: 2, cacheHits: 0 });
    expect(logged).toContain('answered in 2 parts');
    // Each part was answered numbered from 1; the merge renumbered them into the one backlog.
    expect(result.artifacts).toEqual(run.results[chain.indexOf(productOwner)].artifacts);
  });

  it('reads a long vision a few paragraphs per call and merges the parts into one vision document', async () => {
    const visionArchitect = byName('visionArchitect');
    const large = readFileSync(join(__dirname, '../../../bench/visions/large/harbour-town.md'), 'utf8');
    // Only the vision is stored: the blueprint's answer is computed, not written, so the merge writes the documents.
    const own = await runAgents([], { visionText: large });
    const ctx = () => contextIn(own, visionArchitect, own.refs.slice(0, 1));
    const whole = JSON.parse(JSON.stringify(await visionArchitect.blueprint(ctx()))) as Vision;
    fake.handle(answerFrom(new Map([['visionArchitect', whole]])));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const result = await executeAgent(visionArchitect, ctx(), provider);
    expect(fake.requests.length).toBeGreaterThanOrEqual(2);
    expect(result.usage!.calls).toBe(fake.requests.length);
    // Every call carries the whole vision and quotes the paragraphs it writes.
    for (const request of fake.requests) {
      expect(request.body.messages[1].content).toContain('A payment may not exceed the amount still owed');
      expect(request.body.messages[1].content).toMatch(/<<< paragraphs of this part/);
    }
    const json = result.artifacts.find((a) => a.path.endsWith('vision/vision.json'))!;
    const merged = JSON.parse(
      (await own.store.get(own.tenantId, own.runId, json.path)).toString('utf8'),
    ) as Vision;
    const entities = (v: Vision) => v.domain.entities.map((e) => e.name).sort();
    expect(entities(merged)).toEqual(entities(whole));
    expect(merged.domain.rules).toHaveLength(whole.domain.rules.length);
  });

  it('writes a large domain model as a frame, then entities in full told the frame, and merges them', async () => {
    const large = readFileSync(join(__dirname, '../../../bench/visions/large/harbour-town.md'), 'utf8');
    const own = await runAgents(chain.slice(0, 3), { visionText: large });
    const enterpriseArchitect = byName('enterpriseArchitect');
    const ctx = () => contextIn(own, enterpriseArchitect, own.refs);
    const whole = JSON.parse(JSON.stringify(await enterpriseArchitect.blueprint(ctx()))) as DomainModel;
    const expected = await runAgents([enterpriseArchitect], {
      visionText: large,
      store: own.store,
      runId: own.runId,
      inputs: own.refs.slice(1),
    });
    fake.handle(answerFrom(new Map([['enterpriseArchitect', whole]])));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const result = await executeAgent(enterpriseArchitect, ctx(), provider);
    // Twelve entities: the frame, then two parts of six.
    const users = fake.requests.map((r) => r.body.messages[1].content);
    expect(users).toHaveLength(3);
    expect(users[0]).toMatch(/^This call writes part 1 of 3 of the domain model: its frame/m);
    // Only the frame reads the backlog; the later parts are told where the frame put each entity.
    const backlogStory = /As an? [^,]+, I want/;
    expect(users[0]).toMatch(backlogStory);
    for (const user of users.slice(1)) {
      expect(user).not.toMatch(backlogStory);
      expect(user).toContain('(not given to this part of the answer)');
      expect(user).toContain('The frame (part 1) that this part follows');
    }
    expect(result.usage).toMatchObject({ calls: 3 });
    expect(result.artifacts).toEqual(expected.results[0].artifacts);
  });

  it('retries an answer that fails the schema with the validation errors, then accepts the valid one', async () => {
    const agent = byName('productManager');
    const good = await agent.blueprint(ctxFor(agent));
    fake.script(
      (request) => completion(request, { roadmap: 'not what the schema says' }),
      (request) =>
        completion(request, asStrictAnswer(good, request.body.response_format!.json_schema!.schema)),
    );
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const result = await executeAgent(agent, ctxFor(agent), provider);
    expect(result.usage?.calls).toBe(2);
    expect(fake.requests).toHaveLength(2);
    const retry = fake.requests[1].body.messages;
    expect(retry).toHaveLength(4);
    expect(retry[2]).toEqual({
      role: 'assistant',
      content: JSON.stringify({ roadmap: 'not what the schema says' }),
    });
    expect(retry[3].content).toMatch(/does not match the required schema/);
    expect(retry[3].content).toMatch(/^- /m);
  });

  it('gives up after the bounded schema retries with the errors, keeping the usage', async () => {
    const agent = byName('productManager');
    fake.handle((request) => completion(request, { nothing: true }));
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { AZURE_OPENAI_SCHEMA_RETRIES: '1' }),
    });
    const error = await executeAgent(agent, ctxFor(agent), provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelOutputError);
    expect((error as ModelOutputError).message).toMatch(/does not match its schema after 2 attempt\(s\)/);
    expect((error as ModelOutputError).usage.calls).toBe(2);
    expect((error as ModelOutputError).usage.promptTokens).toBeGreaterThan(0);
    expect(fake.requests).toHaveLength(2);
  });

  it('waits as long as retry-after-ms asks after a 429, then succeeds', async () => {
    const agent = byName('visionArchitect');
    const good = await agent.blueprint(ctxFor(agent));
    fake.script(failure(429, 'Rate limit is exceeded.', { 'retry-after-ms': '300' }), (request) =>
      completion(request, asStrictAnswer(good, request.body.response_format!.json_schema!.schema)),
    );
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const started = Date.now();
    const result = await executeAgent(agent, ctxFor(agent), provider);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(fake.requests).toHaveLength(2);
    expect(result.usage?.calls).toBe(1);
  });

  it('backs off exponentially on 5xx, honours retry-after in seconds, caps the wait and stops after maxRetries', async () => {
    const agent = byName('visionArchitect');
    const waits: number[] = [];
    const transport = { sleep: async (ms: number) => void waits.push(ms), random: () => 0 };
    fake.handle(() => failure(503, 'busy'));
    fake.script(
      failure(429, 'slow down', { 'retry-after': '7' }),
      failure(429, 'slow down', { 'retry-after': '120' }),
    );
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, {
        AZURE_OPENAI_MAX_RETRIES: '3',
        AZURE_OPENAI_MAX_RETRY_DELAY_MS: '20000',
      }),
      transport,
    });
    const error = await executeAgent(agent, ctxFor(agent), provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelServiceError);
    expect((error as Error).message).toMatch(/still failing after 4 attempt\(s\) \(HTTP 503\)/);
    // retry-after 7 s, retry-after 120 s capped at 20 s, then exponential backoff for the 503 (third retry: 4 s).
    expect(waits).toEqual([7000, 20000, 4000]);
    expect(fake.requests).toHaveLength(4);
  });

  it('reports content-filter stops, refusals, truncated answers and blocked prompts with clear errors', async () => {
    const agent = byName('visionArchitect');
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const attempt = async (): Promise<Error> => {
      try {
        await executeAgent(agent, ctxFor(agent), provider);
      } catch (error) {
        return error as Error;
      }
      throw new Error('the call was expected to fail');
    };

    fake.script((request) => completion(request, '{"product":', { finishReason: 'content_filter' }));
    const filtered = await attempt();
    expect(filtered).toBeInstanceOf(ContentFilteredError);
    expect(filtered.message).toMatch(/stopped by the Azure OpenAI content filter/);
    expect((filtered as ContentFilteredError).usage.calls).toBe(1);

    fake.script((request) => completion(request, null, { refusal: 'I cannot help with that.' }));
    const refused = await attempt();
    expect(refused).toBeInstanceOf(ModelRefusalError);
    expect(refused.message).toMatch(/the model refused: I cannot help with that/);

    fake.script((request) =>
      completion(request, '{"product": {"name": "Tool', { finishReason: 'length', completionTokens: 16384 }),
    );
    const truncated = await attempt();
    expect(truncated).toBeInstanceOf(TruncatedOutputError);
    expect(truncated.message).toMatch(
      /cut off at 16384 completion tokens \(AZURE_OPENAI_MAX_COMPLETION_TOKENS is 16384\)/,
    );

    fake.script(
      failure(
        400,
        'The response was filtered due to the prompt triggering content management policy.',
        {},
        'content_filter',
      ),
    );
    const blocked = await attempt();
    expect(blocked).toBeInstanceOf(PromptFilteredError);
    expect(fake.requests).toHaveLength(4);
  });

  it('answers a rerun of an unchanged agent from the cache without a call, in another run of the tenant', async () => {
    const agent = byName('visionArchitect');
    fake.handle(blueprintAnswers([{ agent, ctx: () => ctxFor(agent) }]));
    const cache = new ArtifactResponseCache(run.store, 'tenant');
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake), cache });
    const first = await executeAgent(agent, ctxFor(agent), provider);
    expect(fake.requests).toHaveLength(1);
    expect(first.usage?.calls).toBe(1);
    expect(await run.store.list(run.tenantId, tenantCacheRun)).toHaveLength(1);

    // A second run with the same vision: its vision artifact has the same content, hence the same hash.
    const rerun = await runAgents([], { visionText: vision, store: run.store, runId: 'run-2' });
    const again = await executeAgent(agent, contextIn(rerun, agent, rerun.refs), provider);
    expect(fake.requests).toHaveLength(1);
    expect(again.usage).toMatchObject({ calls: 0, cacheHits: 1, promptTokens: 0, completionTokens: 0 });
    expect(again.artifacts.map((a) => a.sha256)).toEqual(first.artifacts.map((a) => a.sha256));

    // Feedback or a new attempt is a different question.
    await executeAgent(
      agent,
      contextIn(rerun, agent, rerun.refs, { attempt: 2, feedback: ['name the product ToolShed Plus'] }),
      provider,
    );
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[1].body.messages[1].content).toContain('- name the product ToolShed Plus');
  });

  it('limits concurrent calls per deployment', async () => {
    const agent = byName('visionArchitect');
    const good = await agent.blueprint(ctxFor(agent));
    fake.handle((request) => ({
      ...completion(request, asStrictAnswer(good, request.body.response_format!.json_schema!.schema)),
      delayMs: 150,
    }));
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { AZURE_OPENAI_MAX_CONCURRENCY: '2' }),
    });
    await Promise.all(
      Array.from({ length: 5 }, (_, i) => provider.generate(agent, ctxFor(agent, { attempt: i + 1 }))),
    );
    expect(fake.requests).toHaveLength(5);
    expect(fake.maxInFlight).toBe(2);
  });

  it('sends an agent to the deployment it names, and lets compiling and measuring agents work without a model', async () => {
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake) });
    const coder = { ...byName('productManager'), deployment: 'code' } as AgentDefinition<unknown>;
    fake.handle((request) => completion(request, { nothing: true }));
    await expect(executeAgent(coder, ctxFor(coder), provider)).rejects.toThrow(ModelOutputError);
    expect(fake.requests.length).toBeGreaterThan(0);
    expect(fake.requests.every((r) => r.deployment === deployments.code)).toBe(true);
    fake.reset();
    // The API Designer compiles the OpenAPI documents from the domain model: the blueprint's exact output, free.
    const apiDesigner = visionToArchitectureAgents.find((a) => a.name === 'apiDesigner')!;
    const compiled = await provider.generate(apiDesigner, ctxFor(apiDesigner));
    expect(compiled.usage).toMatchObject({ calls: 0, promptTokens: 0 });
    expect(compiled.output).toEqual(await apiDesigner.blueprint(ctxFor(apiDesigner)));
    expect(fake.requests).toHaveLength(0);
    const measured = await provider.generate(
      testAutomationEngineer,
      ctxFor(testAutomationEngineer as AgentDefinition<unknown>),
    );
    expect(measured.usage).toMatchObject({ calls: 0, promptTokens: 0 });
    expect(measured.output).toEqual({ services: [] });
    expect(fake.requests).toHaveLength(0);
  });

  it('fails with TruncatedOutputError when the answer needs more than max_completion_tokens', async () => {
    const agent = byName('visionArchitect');
    fake.handle(blueprintAnswers([{ agent, ctx: () => ctxFor(agent) }]));
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { AZURE_OPENAI_MAX_COMPLETION_TOKENS: '256' }),
    });
    const error = await executeAgent(agent, ctxFor(agent), provider).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TruncatedOutputError);
    expect((error as TruncatedOutputError).message).toMatch(/cut off at 256 completion tokens/);
    expect(fake.requests.map((r) => r.body.max_completion_tokens)).toEqual([256]);
  });

  it('counts cached prompt tokens and prices them from FACTORY_MODEL_PRICES', async () => {
    const agent = byName('visionArchitect');
    const good = await agent.blueprint(ctxFor(agent));
    fake.script((request) =>
      completion(request, asStrictAnswer(good, request.body.response_format!.json_schema!.schema), {
        promptTokens: 2000,
        completionTokens: 500,
        cachedTokens: 1000,
      }),
    );
    const prices = JSON.stringify({ [deployments.simple]: { input: 1, cachedInput: 0.5, output: 4 } });
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { FACTORY_MODEL_PRICES: prices }),
    });
    const result = await executeAgent(agent, ctxFor(agent, { attempt: 9 }), provider);
    // 1000 uncached * 1 + 1000 cached * 0.5 + 500 completion * 4, per million tokens.
    expect(result.usage).toMatchObject({
      promptTokens: 2000,
      completionTokens: 500,
      cachedTokens: 1000,
      estimatedCost: 0.0035,
    });
  });
});

describe('azure-openai provider: schema rounds, accounting, failures and the cache', () => {
  let fake: FakeAzureOpenAi;
  let run: HarnessRun;
  const architect = byName('visionArchitect');
  /** A small agent on the Vision Architect's inputs, so answers and their issues are easy to write. */
  // Agents of one small answer: the Vision Architect's prompt without its parts.
  const counter = {
    ...architect,
    split: undefined,
    name: 'toolCounter',
    output: z.object({ name: z.string(), count: z.number().int() }),
  } as unknown as AgentDefinition<unknown>;
  /** An agent whose every answer missing its fields has 35 issues, more than a retry shows. */
  const wide = {
    ...architect,
    split: undefined,
    name: 'wideForm',
    output: z.object(
      Object.fromEntries(
        Array.from({ length: 35 }, (_, i) => [`f${String(i + 1).padStart(2, '0')}`, z.string()]),
      ),
    ),
  } as unknown as AgentDefinition<unknown>;
  const prices = JSON.stringify({ [deployments.simple]: { input: 1, cachedInput: 0.5, output: 4 } });
  let logs: string[];
  let attempt = 0;
  /** A fresh context (a new attempt, so a new cache key) that records what the provider logs. */
  const ctxOf = (agent: AgentDefinition<unknown>, options: { runId?: string } = {}) =>
    contextIn(run, agent, run.refs, { attempt: ++attempt, log: (m) => logs.push(m), ...options });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('the call was expected to fail');
      },
      (error: unknown) => error as Error,
    );

  beforeAll(async () => {
    fake = await FakeAzureOpenAi.start();
    run = await runAgents([], { visionText: vision });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.reset();
    logs = [];
  });

  it('adds up every round of a schema retry, says what was wrong, and caches the answer it paid for', async () => {
    fake.script(
      (request) =>
        completion(request, 'not json', { promptTokens: 1000, completionTokens: 100, cachedTokens: 200 }),
      (request) =>
        completion(request, { name: 'rake', count: '3' }, { promptTokens: 1100, completionTokens: 50 }),
      (request) =>
        completion(
          request,
          { name: 'rake', count: 3 },
          { promptTokens: 1200, completionTokens: 20, cachedTokens: 600 },
        ),
    );
    const cache = new ArtifactResponseCache(run.store, 'run');
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { FACTORY_MODEL_PRICES: prices }),
      cache,
    });
    const ctx = ctxOf(counter);
    const result = await provider.generate(counter, ctx);

    // (3300 - 800) uncached * 1 + 800 cached * 0.5 + 170 completion * 4, per million tokens.
    const usage = {
      calls: 3,
      cacheHits: 0,
      promptTokens: 3300,
      completionTokens: 170,
      cachedTokens: 800,
      estimatedCost: 0.00358,
      deployment: deployments.simple,
    };
    expect(result).toEqual({ output: { name: 'rake', count: 3 }, usage });
    expect(fake.requests).toHaveLength(3);
    const [first, second, third] = fake.requests.map((r) => r.body.messages);
    expect(second.slice(0, 2)).toEqual(first);
    expect(second[2]).toEqual({ role: 'assistant', content: 'not json' });
    expect(second[3].role).toBe('user');
    expect(second[3].content).toMatch(
      /^That answer does not match the required schema:\n- the answer is not JSON: Unexpected token .*\nAnswer again with the complete, corrected JSON object\.$/,
    );
    expect(third.slice(0, 4)).toEqual(second);
    expect(third.slice(4)).toEqual([
      { role: 'assistant', content: '{"name":"rake","count":"3"}' },
      {
        role: 'user',
        content:
          'That answer does not match the required schema:\n- count: Invalid input: expected number, received string\nAnswer again with the complete, corrected JSON object.',
      },
    ]);
    expect(logs).toEqual([
      'answer 1 does not match the schema (1 issue(s))',
      'answer 2 does not match the schema (1 issue(s))',
    ]);

    // The entry holds the first question, the answer and what all three rounds cost.
    const stored = await run.store.list(run.tenantId, run.runId);
    const entries = stored.filter((a) => a.path.startsWith('cache/model/'));
    expect(entries).toHaveLength(1);
    const entry = JSON.parse(
      (await run.store.get(run.tenantId, run.runId, entries[0].path)).toString('utf8'),
    );
    expect(entries[0].path).toBe(`cache/model/${entry.key}.json`);
    expect(entry).toMatchObject({
      usage,
      output: { name: 'rake', count: 3 },
      messages: first,
      parts: {
        agent: 'toolCounter',
        promptVersion: architect.prompt.version,
        deployment: deployments.simple,
        feedback: [],
        iteration: 1,
        attempt: ctx.attempt,
      },
    });
    expect(Date.now() - Date.parse(entry.createdAt)).toBeLessThan(60_000);
    expect(entry.parts.inputs.map((i: { kind: string }) => i.kind)).toEqual([run.refs[0].kind]);

    // Asked again in the same context: the cache answers, nothing is spent.
    const again = await provider.generate(counter, ctx);
    expect(again).toEqual({
      output: { name: 'rake', count: 3 },
      usage: {
        ...usage,
        calls: 0,
        promptTokens: 0,
        completionTokens: 0,
        cachedTokens: 0,
        estimatedCost: 0,
        cacheHits: 1,
      },
    });
    expect(fake.requests).toHaveLength(3);
    expect(logs[2]).toBe(`cache hit ${entry.key.slice(0, 12)}: no tokens spent`);
  });

  it('asks again when the cached answer no longer matches the schema', async () => {
    const cache = new ArtifactResponseCache(run.store, 'run');
    const ctx = ctxOf(counter);
    fake.script((request) => completion(request, { name: 'hoe', count: 1 }));
    const provider = createAzureOpenAiProvider({ settings: fakeSettings(fake), cache });
    await provider.generate(counter, ctx);
    const stricter = { ...counter, output: z.object({ name: z.string(), count: z.number().min(2) }) };
    fake.script((request) => completion(request, { name: 'hoe', count: 2 }));
    const result = await provider.generate(stricter as AgentDefinition<unknown>, ctx);
    expect(result.output).toEqual({ name: 'hoe', count: 2 });
    expect(result.usage).toMatchObject({ calls: 1, cacheHits: 0 });
    expect(fake.requests).toHaveLength(2);
  });

  it('caches with the artifact store by AZURE_OPENAI_CACHE, and not at all when it is off', async () => {
    const answer = (request: Parameters<typeof completion>[0]) =>
      completion(request, { name: 'saw', count: 2 });
    const cached = (runId: string) =>
      run.store.list(run.tenantId, runId).then((all) => all.filter((a) => a.path.startsWith('cache/')));
    const before = await cached(run.runId);

    fake.script(answer);
    const off = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { AZURE_OPENAI_CACHE: 'off' }),
      artifacts: run.store,
    });
    await off.generate(counter, ctxOf(counter));
    expect(await cached(run.runId)).toEqual(before);

    fake.script(answer);
    const inRun = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { AZURE_OPENAI_CACHE: 'run' }),
      artifacts: run.store,
    });
    const ctx = ctxOf(counter);
    await inRun.generate(counter, ctx);
    expect(await cached(run.runId)).toHaveLength(before.length + 1);
    expect((await inRun.generate(counter, ctx)).usage).toMatchObject({ calls: 0, cacheHits: 1 });
    expect(fake.requests).toHaveLength(2);
  });

  it('shows a long wrong answer by its size only, and a short one in full, at a quarter of the prompt budget', async () => {
    // 1000 prompt tokens: a repeated answer may have 250.
    const settings = fakeSettings(fake, {
      AZURE_OPENAI_MAX_PROMPT_TOKENS: '1000',
      AZURE_OPENAI_SCHEMA_RETRIES: '2',
    });
    let fits = '';
    while (tokensOf(fits) < 250) fits += ' rake';
    expect(tokensOf(fits)).toBe(250);
    const tooLong = `${fits} rake`;
    fake.script(
      (request) => completion(request, fits, { completionTokens: 250 }),
      (request) => completion(request, tooLong, { completionTokens: 251 }),
      (request) => completion(request, { name: 'rake', count: 1 }),
    );
    // A vision longer than the budget, so it is shortened too.
    const long = await runAgents([], { visionText: `${vision}\n\n${vision}` });
    const ctx = contextIn(long, counter, long.refs, { log: (m) => logs.push(m) });
    const result = await createAzureOpenAiProvider({ settings }).generate(counter, ctx);
    expect(result.usage?.calls).toBe(3);
    const last = fake.requests[2].body.messages;
    expect(last[2]).toEqual({ role: 'assistant', content: fits });
    expect(last[4]).toEqual({ role: 'assistant', content: '(previous answer of 251 tokens, not repeated)' });
    expect(logs[0]).toMatch(/^input .+ trimmed to \d+ of \d+ tokens$/);
  });

  it('lists at most 30 issues to the model and in the final error, and counts the rest', async () => {
    fake.handle((request) => completion(request, {}));
    const settings = fakeSettings(fake, { AZURE_OPENAI_SCHEMA_RETRIES: '1' });
    const error = await failureOf(createAzureOpenAiProvider({ settings }).generate(wide, ctxOf(wide)));
    const issue = (i: number) =>
      `f${String(i).padStart(2, '0')}: Invalid input: expected string, received undefined`;
    const shown = Array.from({ length: 30 }, (_, i) => issue(i + 1));
    expect(error).toBeInstanceOf(ModelOutputError);
    expect(error.message).toBe(
      `agent wideForm produced output that does not match its schema after 2 attempt(s): ${shown.join('; ')}`,
    );
    expect((error as ModelOutputError).usage.calls).toBe(2);
    expect(fake.requests[1].body.messages[3].content).toBe(
      `That answer does not match the required schema:\n${shown.map((i) => `- ${i}`).join('\n')}\n- ... and 5 more\nAnswer again with the complete, corrected JSON object.`,
    );
    expect(logs).toEqual([
      'answer 1 does not match the schema (35 issue(s))',
      'answer 2 does not match the schema (35 issue(s))',
    ]);
  });

  it('names the root of an answer that is not an object, and an empty answer as not JSON', async () => {
    fake.script(
      (request) => completion(request, [1, 2]),
      (request) => completion(request, null),
      (request) => completion(request, { name: 'rake', count: 1 }),
    );
    await createAzureOpenAiProvider({ settings: fakeSettings(fake) }).generate(counter, ctxOf(counter));
    expect(fake.requests[1].body.messages[3].content).toMatch(
      /\n- \(root\): Invalid input: expected object, received array\n/,
    );
    expect(fake.requests[2].body.messages[4]).toEqual({
      role: 'assistant',
      content: '',
    });
    expect(fake.requests[2].body.messages[5].content).toMatch(
      /\n- the answer is not JSON: Unexpected end of JSON input\n/,
    );
  });

  it('fails with what was spent when the service fails after a paid round, and plainly before any', async () => {
    const settings = fakeSettings(fake, { FACTORY_MODEL_PRICES: prices, AZURE_OPENAI_MAX_RETRIES: '0' });
    fake.script(
      (request) => completion(request, { name: 'rake' }, { promptTokens: 500, completionTokens: 40 }),
      failure(503, 'The service is temporarily unable to process your request.'),
    );
    const after = await failureOf(createAzureOpenAiProvider({ settings }).generate(counter, ctxOf(counter)));
    expect(after.constructor).toBe(ModelCallError);
    expect(after.message).toBe(
      `agent toolCounter: deployment ${deployments.simple} still failing after 1 attempt(s) (HTTP 503); AZURE_OPENAI_MAX_RETRIES is 0`,
    );
    expect((after as ModelCallError).usage).toEqual({
      calls: 1,
      cacheHits: 0,
      promptTokens: 500,
      completionTokens: 40,
      cachedTokens: 0,
      estimatedCost: 0.00066,
      deployment: deployments.simple,
    });

    fake.script(failure(503, 'The service is temporarily unable to process your request.'));
    const before = await failureOf(createAzureOpenAiProvider({ settings }).generate(counter, ctxOf(counter)));
    expect(before).toBeInstanceOf(ModelServiceError);
    expect(before).not.toBeInstanceOf(ModelCallError);
  });

  it('says which agent and deployment refused, was filtered or was cut off, with the usage of the answer', async () => {
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { FACTORY_MODEL_PRICES: prices }),
    });
    const tokens = { promptTokens: 800, completionTokens: 100 };
    const spent = {
      calls: 1,
      cacheHits: 0,
      ...tokens,
      cachedTokens: 0,
      estimatedCost: 0.0012,
      deployment: deployments.simple,
    };
    const where = `agent toolCounter (deployment ${deployments.simple})`;

    fake.script((request) => completion(request, null, { refusal: 'No.', ...tokens }));
    const refused = await failureOf(provider.generate(counter, ctxOf(counter)));
    expect(refused).toBeInstanceOf(ModelRefusalError);
    expect(refused.message).toBe(`${where}: the model refused: No.`);
    expect((refused as ModelRefusalError).usage).toEqual(spent);

    fake.script((request) => completion(request, '{"name":', { finishReason: 'content_filter', ...tokens }));
    const filtered = await failureOf(provider.generate(counter, ctxOf(counter)));
    expect(filtered).toBeInstanceOf(ContentFilteredError);
    expect(filtered.message).toBe(`${where}: the answer was stopped by the Azure OpenAI content filter`);
    expect((filtered as ContentFilteredError).usage).toEqual(spent);

    fake.script((request) => completion(request, '{"name":', { finishReason: 'length', ...tokens }));
    const truncated = await failureOf(provider.generate(counter, ctxOf(counter)));
    expect(truncated).toBeInstanceOf(TruncatedOutputError);
    expect(truncated.message).toBe(
      `${where}: the answer was cut off at 100 completion tokens (AZURE_OPENAI_MAX_COMPLETION_TOKENS is 16384), so its JSON is incomplete`,
    );
    expect((truncated as TruncatedOutputError).usage).toEqual(spent);
    expect(fake.requests).toHaveLength(3);
  });

  it('logs a schema sent without strict mode and why, and a tool agent asks no model', async () => {
    const freeForm = {
      ...architect,
      name: 'freeForm',
      output: z.object({ byService: z.record(z.string(), z.number()) }),
    } as unknown as AgentDefinition<unknown>;
    fake.script((request) => completion(request, {}));
    const provider = createAzureOpenAiProvider({
      settings: fakeSettings(fake, { AZURE_OPENAI_SCHEMA_RETRIES: '0' }),
    });
    await failureOf(provider.generate(freeForm, ctxOf(freeForm)));
    expect(logs[0]).toMatch(/^response schema sent with strict: false \(.+\)$/);
    expect(logs[0].split('; ').length).toBeLessThanOrEqual(3);

    logs = [];
    const tester = testAutomationEngineer as AgentDefinition<unknown>;
    const measured = await provider.generate(tester, ctxOf(tester));
    expect(measured.usage).toEqual(zeroUsage());
    expect(Object.keys(measured.usage!)).not.toContain('deployment');
    expect(logs).toEqual([`${tester.role} reports what its tools measured or did; no model is asked`]);
  });
});

describe('azure-openai configuration', () => {
  it('is a clear error when the endpoint and deployments are not set, never a fallback', () => {
    expect(() => modelProviders()('azure-openai', { env: {} })).toThrow(ModelConfigurationError);
    expect(() => checkModelConfiguration('azure-openai', {})).toThrow(
      /AZURE_OPENAI_ENDPOINT is not set.*AZURE_OPENAI_DEPLOYMENT_SIMPLE is not set.*AZURE_OPENAI_DEPLOYMENT_CODE is not set/,
    );
    expect(() => checkModelConfiguration('gpt-7', {})).toThrow(
      /unknown model provider 'gpt-7' \(available: blueprint, azure-openai\)/,
    );
    expect(() => checkModelConfiguration('blueprint', {})).not.toThrow();
  });

  it('rejects malformed settings with the setting named', () => {
    const env = {
      AZURE_OPENAI_ENDPOINT: 'not a url',
      AZURE_OPENAI_DEPLOYMENT_SIMPLE: 'a',
      AZURE_OPENAI_DEPLOYMENT_CODE: 'b',
      AZURE_OPENAI_MAX_CONCURRENCY: '0',
      AZURE_OPENAI_CACHE: 'sometimes',
      FACTORY_MODEL_PRICES: '{"a": {"input": -1, "output": 2}}',
    };
    expect(() => checkModelConfiguration('azure-openai', env)).toThrow(
      /AZURE_OPENAI_ENDPOINT must be an http\(s\) URL.*AZURE_OPENAI_CACHE must be tenant, run or off.*FACTORY_MODEL_PRICES must map.*AZURE_OPENAI_MAX_CONCURRENCY must be an integer from 1 to 64/,
    );
  });

  it('accepts a configured environment', async () => {
    const fake = await FakeAzureOpenAi.start();
    try {
      expect(() => checkModelConfiguration('azure-openai', fakeEnv(fake))).not.toThrow();
      expect(modelProviders()('azure-openai', { env: fakeEnv(fake) }).name).toBe('azure-openai');
    } finally {
      await fake.close();
    }
  });
});
