import { APIError } from 'openai';
import { z } from 'zod';
import { responseFormatFor } from '../../../agents/runtime/azureOpenAi/jsonSchema';
import {
  cognitiveServicesScope,
  completeChat,
  ModelServiceError,
  PromptFilteredError,
  type ChatRequest,
  type TransportOptions,
} from '../../../agents/runtime/azureOpenAi/transport';
import { completion, failure, FakeAzureOpenAi, type FakeReply } from '../../support/fakeAzureOpenAi';
import { startManagedIdentityEndpoint, tokenAudience } from '../../support/servers/managedIdentityEndpoint';
import { deployments, fakeSettings } from './support';

const request: ChatRequest = {
  deployment: deployments.simple,
  messages: [
    { role: 'system', content: 'You name tools. Answer with JSON.' },
    { role: 'user', content: 'Name one tool for a garden.' },
  ],
  format: responseFormatFor('toolNamer', z.object({ name: z.string() })),
};
const answer =
  (reply: Parameters<typeof completion>[2] = {}) =>
  (r: Parameters<typeof completion>[0]) =>
    completion(r, { name: 'rake' }, reply);

/** Transport options that record every wait instead of waiting, with a fixed jitter and clock. */
function recorded(options: { random?: () => number; now?: () => number } = {}) {
  const waits: number[] = [];
  const transport: TransportOptions = {
    sleep: async (ms) => void waits.push(ms),
    random: options.random ?? (() => 0),
    now: options.now ?? (() => 0),
  };
  return { waits, transport };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('the call was expected to fail');
}

describe('Azure OpenAI transport against a local fake Azure OpenAI', () => {
  let fake: FakeAzureOpenAi;

  beforeAll(async () => {
    fake = await FakeAzureOpenAi.start();
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  it('asks for structured output against the schema and reads the answer, its usage and one attempt', async () => {
    fake.script(answer({ promptTokens: 120, completionTokens: 7, cachedTokens: 64 }));
    const settings = fakeSettings(fake, { AZURE_OPENAI_MAX_COMPLETION_TOKENS: '2048' });
    const reply = await completeChat(settings, request, recorded().transport);
    expect(reply).toEqual({
      content: '{"name":"rake"}',
      refusal: null,
      finishReason: 'stop',
      usage: { promptTokens: 120, completionTokens: 7, cachedTokens: 64 },
      attempts: 1,
    });
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0];
    expect(sent.deployment).toBe(deployments.simple);
    expect(sent.apiVersion).toBe('2025-04-01-preview');
    expect(sent.headers['api-key']).toBe('test-key');
    expect(sent.body).toEqual({
      model: deployments.simple,
      messages: request.messages,
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'toolNamer', strict: true, schema: request.format.schema },
      },
      max_completion_tokens: 2048,
    });
  });

  it('sends the temperature only when one is set', async () => {
    fake.script(answer());
    await completeChat(fakeSettings(fake, { AZURE_OPENAI_TEMPERATURE: '0' }), request, recorded().transport);
    expect(fake.requests[0].body.temperature).toBe(0);
  });

  it('reads a sparse answer as no content, no refusal, an unknown finish reason and zero usage', async () => {
    fake.script({ body: { id: 'chatcmpl-sparse', object: 'chat.completion', choices: [{ index: 0 }] } });
    const reply = await completeChat(fakeSettings(fake), request, recorded().transport);
    expect(reply).toEqual({
      content: null,
      refusal: null,
      finishReason: 'unknown',
      usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0 },
      attempts: 1,
    });
  });

  it('is a service error when the answer has no choice', async () => {
    fake.script({ body: { id: 'chatcmpl-empty', object: 'chat.completion', choices: [] } }, { body: {} });
    const settings = fakeSettings(fake);
    for (let i = 0; i < 2; i++) {
      const error = await failureOf(completeChat(settings, request, recorded().transport));
      expect(error).toBeInstanceOf(ModelServiceError);
      expect(error.message).toBe(`deployment ${deployments.simple} answered without a choice`);
    }
    expect(fake.requests).toHaveLength(2);
  });

  it.each([408, 409, 429, 500, 502, 503, 504])(
    'retries HTTP %i after the exponential backoff, then returns the answer',
    async (status) => {
      fake.script(failure(status, 'try again'), answer());
      const { waits, transport } = recorded();
      const reply = await completeChat(fakeSettings(fake), request, transport);
      expect(reply.attempts).toBe(2);
      expect(waits).toEqual([1000]);
      expect(fake.requests).toHaveLength(2);
    },
  );

  it.each([400, 401, 403, 404, 422])(
    'does not retry HTTP %i: the service error itself fails the call',
    async (status) => {
      fake.script(failure(status, 'not like this', {}, 'invalid_request'));
      const { waits, transport } = recorded();
      const error = await failureOf(completeChat(fakeSettings(fake), request, transport));
      expect(error).toBeInstanceOf(APIError);
      expect(error).not.toBeInstanceOf(ModelServiceError);
      expect((error as APIError).status).toBe(status);
      expect(error.message).toBe(`${status} not like this`);
      expect(waits).toEqual([]);
      expect(fake.requests).toHaveLength(1);
    },
  );

  it('backs off 1 s, 2 s, 4 s, 8 s less up to a quarter of jitter, capped, and stops after maxRetries', async () => {
    fake.handle(() => failure(500, 'internal error'));
    const jitter = [0, 0.5, 1, 0.2];
    const { waits, transport } = recorded({ random: () => jitter.shift()! });
    const settings = fakeSettings(fake, {
      AZURE_OPENAI_MAX_RETRIES: '4',
      AZURE_OPENAI_MAX_RETRY_DELAY_MS: '7000',
    });
    const error = await failureOf(completeChat(settings, request, transport));
    expect(error).toBeInstanceOf(ModelServiceError);
    expect(error.message).toBe(
      `deployment ${deployments.simple} still failing after 5 attempt(s) (HTTP 500); AZURE_OPENAI_MAX_RETRIES is 4`,
    );
    // 1000 * (1 - 0), 2000 * (1 - 0.125), 4000 * (1 - 0.25), 8000 * (1 - 0.05) = 7600 capped at 7000.
    expect(waits).toEqual([1000, 1750, 3000, 7000]);
    expect(fake.requests).toHaveLength(5);
  });

  it('makes exactly one attempt when no retries are allowed', async () => {
    fake.script(failure(429, 'Rate limit is exceeded.', { 'retry-after-ms': '10' }));
    const { waits, transport } = recorded();
    const error = await failureOf(
      completeChat(fakeSettings(fake, { AZURE_OPENAI_MAX_RETRIES: '0' }), request, transport),
    );
    expect(error.message).toBe(
      `deployment ${deployments.simple} still failing after 1 attempt(s) (HTTP 429); AZURE_OPENAI_MAX_RETRIES is 0`,
    );
    expect(waits).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it.each<[string, Record<string, string>, number]>([
    ['retry-after-ms before retry-after', { 'retry-after-ms': '1250', 'retry-after': '9' }, 1250],
    ['retry-after-ms of zero', { 'retry-after-ms': '0' }, 0],
    ['retry-after in seconds', { 'retry-after': '3' }, 3000],
    ['retry-after when retry-after-ms is unreadable', { 'retry-after-ms': 'soon', 'retry-after': '2' }, 2000],
    ['retry-after when retry-after-ms is negative', { 'retry-after-ms': '-5', 'retry-after': '2' }, 2000],
    ['retry-after as an HTTP date', { 'retry-after': 'Wed, 21 Oct 2026 07:28:09 GMT' }, 9000],
    ['zero for an HTTP date already past', { 'retry-after': 'Wed, 21 Oct 2026 07:27:00 GMT' }, 0],
    ['the backoff for an unreadable retry-after', { 'retry-after': 'later' }, 1000],
    ['the backoff for a negative retry-after', { 'retry-after': '-1' }, 1000],
    ['the backoff for blank retry headers', { 'retry-after-ms': ' ', 'retry-after': '' }, 1000],
  ])('waits as a 429 asks: %s', async (_, headers, wait) => {
    fake.script(failure(429, 'Rate limit is exceeded.', headers), answer());
    const { waits, transport } = recorded({ now: () => Date.parse('Wed, 21 Oct 2026 07:28:00 GMT') });
    const reply = await completeChat(fakeSettings(fake), request, transport);
    expect(waits).toEqual([wait]);
    expect(reply.attempts).toBe(2);
    expect(fake.requests).toHaveLength(2);
  });

  it('waits no longer than maxRetryDelayMs, whatever the service asks', async () => {
    fake.script(failure(429, 'Rate limit is exceeded.', { 'retry-after-ms': '45000' }), answer());
    const { waits, transport } = recorded();
    await completeChat(fakeSettings(fake, { AZURE_OPENAI_MAX_RETRY_DELAY_MS: '30000' }), request, transport);
    expect(waits).toEqual([30000]);
  });

  it('really waits when no sleep is given', async () => {
    fake.script(failure(429, 'Rate limit is exceeded.', { 'retry-after-ms': '300' }), answer());
    const started = Date.now();
    const reply = await completeChat(fakeSettings(fake), request, { random: () => 0 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(reply.attempts).toBe(2);
  });

  it('retries a reset connection, then names the connection failure when it persists', async () => {
    fake.script({ disconnect: true }, answer());
    const recovered = recorded();
    const reply = await completeChat(fakeSettings(fake), request, recovered.transport);
    expect(reply.attempts).toBe(2);
    expect(recovered.waits).toEqual([1000]);
    expect(fake.requests).toHaveLength(2);

    fake.reset();
    fake.script({ disconnect: true }, { disconnect: true }, { disconnect: true });
    const failing = recorded();
    const error = await failureOf(
      completeChat(fakeSettings(fake, { AZURE_OPENAI_MAX_RETRIES: '2' }), request, failing.transport),
    );
    expect(error).toBeInstanceOf(ModelServiceError);
    expect(error.message).toBe(
      `deployment ${deployments.simple} still failing after 3 attempt(s) (Connection error.); AZURE_OPENAI_MAX_RETRIES is 2`,
    );
    expect(failing.waits).toEqual([1000, 2000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('retries when nothing listens at the endpoint', async () => {
    const gone = await FakeAzureOpenAi.start();
    const settings = fakeSettings(gone, { AZURE_OPENAI_MAX_RETRIES: '1' });
    await gone.close();
    const { waits, transport } = recorded();
    const error = await failureOf(completeChat(settings, request, transport));
    expect(error).toBeInstanceOf(ModelServiceError);
    expect(error.message).toMatch(/still failing after 2 attempt\(s\) \(Connection error\.\)/);
    expect(waits).toEqual([1000]);
  });

  it('retries a request that outlives AZURE_OPENAI_TIMEOUT_MS', async () => {
    // A fake of its own: the abandoned request is still being answered when the test ends.
    const slow = await FakeAzureOpenAi.start();
    try {
      slow.script(answer(), (r) => ({ ...answer()(r), delayMs: 3000 }), answer());
      // A client with the default timeout exists for this endpoint; the short timeout gets its own.
      await completeChat(fakeSettings(slow), request, recorded().transport);
      const { waits, transport } = recorded();
      const settings = fakeSettings(slow, { AZURE_OPENAI_TIMEOUT_MS: '1000' });
      const reply = await completeChat(settings, request, transport);
      expect(reply.attempts).toBe(2);
      expect(waits).toEqual([1000]);
      expect(slow.requests).toHaveLength(3);
    } finally {
      await slow.close();
    }
  });

  it('uses a client per API key and API version on the same endpoint', async () => {
    fake.script(answer(), answer());
    await completeChat(fakeSettings(fake), request, recorded().transport);
    await completeChat(
      fakeSettings(fake, { AZURE_OPENAI_API_KEY: 'other-key', AZURE_OPENAI_API_VERSION: '2024-10-21' }),
      request,
      recorded().transport,
    );
    expect(fake.requests.map((r) => [r.headers['api-key'], r.apiVersion])).toEqual([
      ['test-key', '2025-04-01-preview'],
      ['other-key', '2024-10-21'],
    ]);
  });

  it('authenticates with the managed identity when there is no API key', async () => {
    const identity = await startManagedIdentityEndpoint();
    Object.assign(process.env, identity.env);
    try {
      fake.script(answer());
      const settings = { ...fakeSettings(fake), apiKey: undefined };
      await completeChat(settings, request, recorded().transport);
      expect(identity.requests.map((r) => r.resource)).toEqual([
        cognitiveServicesScope.replace('/.default', ''),
      ]);
      const sent = fake.requests[0].headers;
      expect(sent['api-key']).toBeUndefined();
      expect(tokenAudience(sent.authorization!.replace(/^Bearer /, ''))).toBe(
        'https://cognitiveservices.azure.com',
      );
    } finally {
      for (const name of Object.keys(identity.env)) delete process.env[name];
      await identity.close();
    }
  });

  it.each<[string, FakeReply]>([
    ['the content_filter code', failure(400, 'The prompt was filtered.', {}, 'content_filter')],
    ['a content filter message', failure(400, 'Blocked by the content filter.', {}, 'invalid_prompt')],
    ['a ResponsibleAIPolicyViolation message', failure(400, 'ResponsibleAIPolicyViolation: hate', {}, 'x')],
  ])('reports a prompt blocked by %s without retrying', async (_, reply) => {
    fake.script(reply);
    const { waits, transport } = recorded();
    const error = await failureOf(completeChat(fakeSettings(fake), request, transport));
    expect(error).toBeInstanceOf(PromptFilteredError);
    expect(error.message).toMatch(
      new RegExp(
        `^deployment ${deployments.simple}: the prompt was blocked by the Azure OpenAI content filter: 400 `,
      ),
    );
    expect(waits).toEqual([]);
    expect(fake.requests).toHaveLength(1);
  });

  it('retries a server error that mentions the content filter: only a 400 is a blocked prompt', async () => {
    fake.script(failure(500, 'content filter unavailable', {}, 'content_filter'), answer());
    const reply = await completeChat(fakeSettings(fake), request, recorded().transport);
    expect(reply.attempts).toBe(2);
  });

  it('lets at most maxConcurrency calls per deployment run at once, each deployment on its own', async () => {
    /**
     * Holds each answer until `count` requests are in flight (or `patienceMs` passed), so calls that may
     * overlap do, however slow the machine, and calls that may not are seen one at a time.
     */
    const gathering = (count: number, patienceMs: number) => {
      const held: Array<() => void> = [];
      return async (r: Parameters<typeof completion>[0]) => {
        await new Promise<void>((resolve) => {
          held.push(resolve);
          if (held.length >= count) for (const release of held.splice(0)) release();
          else setTimeout(resolve, patienceMs);
        });
        return answer()(r);
      };
    };
    const parallel = (settings: ReturnType<typeof fakeSettings>, deploymentsUsed: string[]) =>
      Promise.all(deploymentsUsed.map((deployment) => completeChat(settings, { ...request, deployment })));
    const twoOfOne = [deployments.simple, deployments.simple];

    fake.handle(gathering(2, 300));
    await parallel(fakeSettings(fake, { AZURE_OPENAI_MAX_CONCURRENCY: '1' }), twoOfOne);
    expect(fake.maxInFlight).toBe(1);
    expect(fake.requests).toHaveLength(2);

    fake.reset();
    fake.handle(gathering(3, 10_000));
    await parallel(fakeSettings(fake, { AZURE_OPENAI_MAX_CONCURRENCY: '3' }), [
      ...twoOfOne,
      deployments.simple,
    ]);
    expect(fake.maxInFlight).toBe(3);

    fake.reset();
    fake.handle(gathering(2, 10_000));
    await parallel(fakeSettings(fake, { AZURE_OPENAI_MAX_CONCURRENCY: '1' }), [
      deployments.simple,
      deployments.code,
    ]);
    expect(fake.maxInFlight).toBe(2);
  });
});
