import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openApiDocument } from '../../functions/http/openapi';
import { ensureLocalApiToken } from '../../platform/auth';
import {
  send,
  sendJson,
  shortVision,
  startApi,
  tokenSetting,
  tokens,
  withEnv,
  type Api,
  type Reply,
} from './support';

// Runs are accepted but not executed here: these tests are about the API surface, not the phases.
let api: Api;
let runOfA: string;
beforeAll(async () => {
  api = await startApi({ FACTORY_API_TOKENS: tokenSetting }, { process: false });
  runOfA = (
    await sendJson(api.url, 'POST', '/api/runs', tokens.a, {
      vision: shortVision,
      options: { approvals: ['architecture'] },
    })
  ).json.runId;
}, 120_000);
afterAll(async () => api?.close());

const isProblem = (reply: Reply) =>
  /^application\/problem\+json/.test(String(reply.headers['content-type'])) &&
  reply.json?.status === reply.status &&
  typeof reply.json?.title === 'string';

test('every documented operation answers 401 without credentials unless it is documented as anonymous', async () => {
  const paths = openApiDocument().paths as Record<string, Record<string, { security?: unknown[] }>>;
  for (const [template, operations] of Object.entries(paths)) {
    const file = template.startsWith('/dashboard/') ? 'index.html' : 'input/vision.md';
    const path = `/api${template.replace('{runId}', runOfA).replace('{gate}', 'architecture').replace('{path}', file)}`;
    for (const [method, operation] of Object.entries(operations)) {
      const reply = await send(api.url, method.toUpperCase(), path);
      const anonymous = Array.isArray(operation.security) && operation.security.length === 0;
      expect([method, template, reply.status]).toEqual([method, template, anonymous ? 200 : 401]);
    }
  }
});

describe('App Service Authentication mode', () => {
  const principal = (claims: Array<[string, string]>) =>
    Buffer.from(
      JSON.stringify({ auth_typ: 'aad', claims: claims.map(([typ, val]) => ({ typ, val })) }),
    ).toString('base64');

  test('the platform principal decides tenant and roles; bearer tokens are not accepted', async () => {
    await withEnv({ FACTORY_AUTH_MODE: 'appservice' }, async () => {
      const reader = principal([
        ['tid', 'tenant-a'],
        ['oid', 'reader-1'],
        ['roles', 'Runs.Read'],
      ]);
      const list = await send(api.url, 'GET', '/api/runs', { headers: { 'x-ms-client-principal': reader } });
      expect(list.status).toBe(200);
      expect(list.json.items.map((r: { runId: string }) => r.runId)).toContain(runOfA);
      const start = await send(api.url, 'POST', '/api/runs', {
        headers: { 'x-ms-client-principal': reader },
        body: shortVision,
        contentType: 'text/markdown',
      });
      expect([start.status, start.json.type]).toEqual([403, 'urn:software-factory:problem:forbidden']);
      const otherTenant = principal([
        ['tid', 'tenant-b'],
        ['roles', 'Runs.Read'],
      ]);
      expect(
        (
          await send(api.url, 'GET', `/api/runs/${runOfA}`, {
            headers: { 'x-ms-client-principal': otherTenant },
          })
        ).status,
      ).toBe(404);
      expect((await send(api.url, 'GET', '/api/runs', { token: tokens.a })).status).toBe(401);
      expect(
        (await send(api.url, 'GET', '/api/runs', { headers: { 'x-ms-client-principal': 'not base64 json' } }))
          .status,
      ).toBe(401);
    });
  });

  test('an unsupported FACTORY_AUTH_MODE or a broken FACTORY_API_TOKENS fails closed with a problem, never a stack', async () => {
    for (const env of [{ FACTORY_AUTH_MODE: 'none' }, { FACTORY_API_TOKENS: '{"broken"' }]) {
      await withEnv(env, async () => {
        const reply = await send(api.url, 'GET', '/api/runs', { token: tokens.a });
        expect([reply.status, reply.json.type]).toEqual([
          500,
          'urn:software-factory:problem:server-configuration',
        ]);
        expect(reply.text).not.toContain('broken');
      });
    }
  });

  test('without FACTORY_API_TOKENS the local token file is the credential, for the local tenant', async () => {
    await withEnv({ FACTORY_API_TOKENS: undefined }, async () => {
      const before = await send(api.url, 'GET', '/api/runs', { token: tokens.a });
      expect(before.status).toBe(401);
      expect(before.json.detail).toMatch(/factory serve/);
      const created = ensureLocalApiToken(api.home);
      expect(created).toMatchObject({ source: 'file', created: true, tenant: 'local' });
      const token = readFileSync(join(api.home, 'api-token'), 'utf8').trim();
      const list = await send(api.url, 'GET', '/api/runs', { token });
      expect(list.status).toBe(200);
      expect(list.json.items).toEqual([]);
      expect((await send(api.url, 'GET', `/api/runs/${runOfA}`, { token })).status).toBe(404);
    });
  });
});

describe('random requests', () => {
  const headerSafe = (s: string) => /^[\x20-\x7e]*$/.test(s);
  const validTokens = [tokens.a, tokens.aRead, tokens.aStart, tokens.b];
  const routeParams = () =>
    fc.record({
      runId: fc.oneof(
        fc.constant(runOfA),
        fc.constantFrom('run-none-here', 'x', '..', '%2e%2e', 'a%2fb', '%00'),
        fc.string({ maxLength: 12 }).map(encodeURIComponent),
      ),
      gate: fc.oneof(
        fc.constantFrom('architecture', 'development', 'testing', 'nope', '%2e%2e'),
        fc.string({ maxLength: 8 }).map(encodeURIComponent),
      ),
      path: fc.oneof(
        fc.constantFrom(
          'input/vision.md',
          'input/manifest.json',
          '..%2f..%2fx',
          '%2fetc%2fpasswd',
          'a%5cb',
          'a/%00/b',
          '%252e%252e/x',
          'a//b',
          '.',
          'a/./b',
        ),
        fc
          .array(fc.string({ maxLength: 8 }).map(encodeURIComponent), { minLength: 1, maxLength: 4 })
          .map((s) => s.join('/')),
      ),
    });
  const templates = [
    '/api/runs',
    '/api/runs/{runId}',
    '/api/runs/{runId}/events',
    '/api/runs/{runId}/trace',
    '/api/runs/{runId}/artifacts',
    '/api/runs/{runId}/artifacts/{path}',
    '/api/runs/{runId}/approvals/{gate}',
    '/api/runs/{runId}/cancel',
    '/api/health',
    '/api/openapi.json',
  ];
  const query = fc
    .array(
      fc.tuple(
        fc.constantFrom(
          'status',
          'limit',
          'continuationToken',
          'kind',
          'phase',
          'approvals',
          'iterations',
          'model',
          'name',
          'zz',
        ),
        fc.string({ maxLength: 10 }),
      ),
      { maxLength: 3 },
    )
    .map((pairs) =>
      pairs.length ? `?${pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}` : '',
    );
  const path = fc
    .tuple(fc.constantFrom(...templates), routeParams(), query)
    .map(
      ([template, p, q]) =>
        template.replace('{runId}', p.runId).replace('{gate}', p.gate).replace('{path}', p.path) + q,
    );
  const optionalHeader = (name: string, values: fc.Arbitrary<string>) =>
    fc
      .option(values.filter(headerSafe), { nil: undefined })
      .map((v) => (v === undefined ? {} : { [name]: v }));
  const headers = fc
    .tuple(
      optionalHeader(
        'authorization',
        fc.oneof(
          fc.constantFrom(...validTokens.map((t) => `Bearer ${t}`)),
          fc.string({ maxLength: 40 }),
          fc.constant('Bearer '),
        ),
      ),
      optionalHeader(
        'content-type',
        fc.oneof(
          fc.constantFrom(
            'application/json',
            'text/markdown',
            'text/plain',
            'application/xml',
            'application/json; charset=latin1',
            'application/merge-patch+json',
            'text/markdown;charset=utf-8',
          ),
          fc.string({ maxLength: 20 }),
        ),
      ),
      optionalHeader('idempotency-key', fc.string({ maxLength: 20 })),
      optionalHeader('if-none-match', fc.string({ maxLength: 20 })),
      optionalHeader('x-continuation-token', fc.string({ maxLength: 20 })),
      optionalHeader('x-correlation-id', fc.string({ maxLength: 20 })),
      optionalHeader(
        'x-ms-client-principal',
        fc.jsonValue({ maxDepth: 2 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64')),
      ),
    )
    .map((parts) => Object.assign({}, ...parts) as Record<string, string>);
  const body = fc.option(
    fc.oneof(
      fc.string({ maxLength: 120 }),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc
        .record(
          {
            vision: fc.oneof(fc.string({ maxLength: 60 }), fc.integer()),
            name: fc.string({ maxLength: 10 }),
            runId: fc.string({ maxLength: 10 }),
            options: fc.oneof(
              fc.object({ maxDepth: 1 }),
              fc.record(
                {
                  iterations: fc.integer(),
                  approvals: fc.array(fc.string({ maxLength: 12 })),
                  model: fc.string({ maxLength: 12 }),
                },
                { requiredKeys: [] },
              ),
            ),
            decision: fc.constantFrom('approve', 'reject', 'maybe'),
            reason: fc.string({ maxLength: 20 }),
            onReject: fc.constantFrom('rerun', 'end', 'never'),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
    ),
    { nil: undefined },
  );
  const anything = fc.record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
    path,
    headers,
    body,
  });
  // Well-formed calls with small mistakes, so that handlers past authentication and parsing are exercised too.
  const credentials = fc.constantFrom(...validTokens).map((t) => ({ authorization: `Bearer ${t}` }));
  const startOptions = fc.record(
    {
      iterations: fc.integer({ min: -1, max: 7 }),
      approvals: fc.array(fc.constantFrom('architecture', 'testing', 'x')),
      model: fc.constantFrom('blueprint', 'other'),
    },
    { requiredKeys: [] },
  );
  const plausible = fc.oneof(
    fc.record({
      method: fc.constant('POST'),
      path: fc.constant('/api/runs'),
      headers: fc
        .tuple(
          credentials,
          optionalHeader('idempotency-key', fc.constantFrom('k1', 'k2', 'bad key')),
          fc.constantFrom('application/json', 'application/json', 'application/xml'),
        )
        .map(([a, b, type]) => ({ ...a, ...b, 'content-type': type })),
      body: fc
        .record(
          { vision: fc.string({ minLength: 0, maxLength: 60 }), options: startOptions },
          { requiredKeys: ['vision'] },
        )
        .map((v) => JSON.stringify(v)),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: fc.constantFrom('/api/runs', '/api/runs?approvals=architecture', '/api/runs?iterations=9'),
      headers: credentials.map((h) => ({ ...h, 'content-type': 'text/markdown' })),
      body: fc.string({ minLength: 0, maxLength: 60 }),
    }),
    fc.record({
      method: fc.constant('POST'),
      path: fc
        .constantFrom('architecture', 'development', 'nope')
        .map((g) => `/api/runs/${runOfA}/approvals/${g}`),
      headers: credentials.map((h) => ({ ...h, 'content-type': 'application/json' })),
      body: fc
        .record(
          {
            decision: fc.constantFrom('approve', 'reject', 'maybe'),
            reason: fc.string({ maxLength: 20 }),
            onReject: fc.constantFrom('rerun', 'end'),
          },
          { requiredKeys: ['decision'] },
        )
        .map((v) => JSON.stringify(v)),
    }),
    fc.record({
      method: fc.constant('GET'),
      path: fc
        .tuple(
          fc.constantFrom(
            '',
            '/events',
            '/trace',
            '/artifacts',
            '/artifacts/input/vision.md',
            '/artifacts/input/nothing',
          ),
          query,
        )
        .map(([p, q]) => `/api/runs/${runOfA}${p}${q}`),
      headers: credentials,
      body: fc.constant(undefined),
    }),
  );
  const request = fc.oneof(anything, plausible);

  test("no request produces a 5xx, a stack trace or a non-problem error; no one reads another tenant's run", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path: target, headers: given, body: payload }) => {
        const reply = await send(api.url, method, target, { headers: given, body: payload });
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        const authorization = given.authorization ?? '';
        const credentialed = validTokens.some((t) => authorization === `Bearer ${t}`);
        if (reply.status >= 500)
          throw new Error(`${method} ${target} answered ${reply.status}: ${reply.text}`);
        if (reply.status >= 400 && !isProblem(reply))
          throw new Error(`${method} ${target} answered ${reply.status} without problem+json: ${reply.text}`);
        if (/\n\s+at /.test(reply.text)) throw new Error(`${method} ${target} leaked a stack trace`);
        if (reply.status < 300 && !credentialed && !/^\/api\/(health|openapi\.json)(\?|$)/.test(target)) {
          throw new Error(`${method} ${target} answered ${reply.status} without valid credentials`);
        }
        if (reply.status < 300 && authorization === `Bearer ${tokens.b}` && target.includes(runOfA)) {
          throw new Error(`tenant b reached tenant a's run: ${method} ${target} answered ${reply.status}`);
        }
      }),
      { numRuns: 2000, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
    );
    // The generator reaches the handlers, not only the router: successes and each kind of refusal occur.
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(2000);
    expect([...statuses.keys()]).toEqual(
      expect.arrayContaining([200, 202, 400, 401, 403, 404, 405, 409, 415]),
    );
  }, 180_000);
});
