import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunDocument } from '../../core/ports/runStore';
import type { RunInput } from '../../core/workflowContracts';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { maxVisionBytes } from '../../runs/runOptions';
import { eventually, send, sendJson, shortVision, startApi, tokens, type Api, type Reply } from './support';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

let api: Api;
beforeAll(async () => {
  api = await startApi();
}, 120_000);
afterAll(async () => api?.close());

function expectProblem(reply: Reply, status: number, slug?: string) {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(reply.json).toMatchObject({
    status,
    title: expect.any(String),
    detail: expect.any(String),
    correlationId: expect.any(String),
  });
  expect(reply.headers['x-correlation-id']).toBe(reply.json.correlationId);
  if (slug) expect(reply.json.type).toBe(`urn:software-factory:problem:${slug}`);
  expect(reply.text).not.toMatch(/\n\s+at /);
}

/** Runs a request with no Azure OpenAI settings in the environment. */
async function withoutAzureOpenAi<T>(work: () => Promise<T>): Promise<T> {
  const saved = Object.entries(process.env).filter(([key]) => key.startsWith('AZURE_OPENAI_'));
  for (const [key] of saved) delete process.env[key];
  try {
    return await work();
  } finally {
    for (const [key, value] of saved) process.env[key] = value;
  }
}

const fields = (reply: Reply) => (reply.json.errors as Array<{ field: string }>).map((e) => e.field);

describe('anonymous endpoints', () => {
  test('health reports every dependency with its adapter', async () => {
    const reply = await send(api.url, 'GET', '/api/health');
    expect(reply.status).toBe(200);
    expect(reply.json.status).toBe('healthy');
    expect(reply.json.checks.runStore).toMatchObject({ adapter: 'sqlite', ok: true });
    expect(reply.json.checks.artifactStore).toMatchObject({ adapter: 'filesystem', ok: true });
    expect(reply.json.checks.eventBus).toMatchObject({ adapter: expect.any(String), ok: true });
    expect(reply.json.checks.durableClient).toMatchObject({ ok: true });
  });

  test('the OpenAPI document is served without credentials', async () => {
    const reply = await send(api.url, 'GET', '/api/openapi.json');
    expect(reply.status).toBe(200);
    expect(reply.json.openapi).toBe('3.1.0');
    expect(Object.keys(reply.json.paths)).toContain('/runs/{runId}/artifacts/{path}');
  });
});

describe('authentication and authorization', () => {
  test('no credentials: 401 with a Bearer challenge', async () => {
    const reply = await send(api.url, 'GET', '/api/runs');
    expectProblem(reply, 401, 'unauthenticated');
    expect(reply.headers['www-authenticate']).toBe('Bearer realm="software-factory"');
  });

  test('an unknown token or another scheme: 401 invalid_token', async () => {
    for (const authorization of [
      'Bearer not-a-configured-token-0000000000',
      'Basic dXNlcjpwYXNz',
      'Bearer',
      `Bearer ${tokens.a} extra`,
    ]) {
      const reply = await send(api.url, 'GET', '/api/runs', { headers: { authorization } });
      expectProblem(reply, 401, 'unauthenticated');
      expect(reply.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  test('a client-supplied App Service principal is ignored outside appservice mode', async () => {
    const principal = Buffer.from(
      JSON.stringify({
        auth_typ: 'aad',
        claims: [
          { typ: 'tid', val: 'tenant-a' },
          { typ: 'roles', val: 'Runs.Read' },
        ],
      }),
    ).toString('base64');
    const reply = await send(api.url, 'GET', '/api/runs', {
      headers: { 'x-ms-client-principal': principal },
    });
    expectProblem(reply, 401);
  });

  test('a missing role: 403', async () => {
    expectProblem(
      await send(api.url, 'POST', '/api/runs', {
        token: tokens.aRead,
        body: shortVision,
        contentType: 'text/markdown',
      }),
      403,
      'forbidden',
    );
    expectProblem(
      await sendJson(api.url, 'POST', '/api/runs/run-whatever/approvals/architecture', tokens.aStart, {
        decision: 'approve',
      }),
      403,
    );
    expectProblem(await send(api.url, 'POST', '/api/runs/run-whatever/cancel', { token: tokens.aRead }), 403);
  });

  test("a change asked by a browser from another site's page is refused (403) and starts nothing", async () => {
    const before = (await send(api.url, 'GET', '/api/runs', { token: tokens.a })).json.items.length;
    for (const site of ['cross-site', 'same-site']) {
      const reply = await send(api.url, 'POST', '/api/runs', {
        token: tokens.a,
        body: shortVision,
        contentType: 'text/plain',
        headers: { 'sec-fetch-site': site },
      });
      expectProblem(reply, 403, 'forbidden');
      expect(reply.json.detail).toBe('requests from pages of other sites are refused');
    }
    expect((await send(api.url, 'GET', '/api/runs', { token: tokens.a })).json.items).toHaveLength(before);
    // The dashboard's own requests (same origin) and clients that are not browsers are unaffected.
    const own = await send(api.url, 'GET', '/api/me', {
      token: tokens.a,
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(own.status).toBe(200);
  });
});

describe('bad input, no run needed', () => {
  test('invalid JSON: 400 naming the body', async () => {
    const reply = await send(api.url, 'POST', '/api/runs', {
      token: tokens.a,
      body: '{"vision": "x",',
      contentType: 'application/json',
    });
    expectProblem(reply, 400, 'validation');
    expect(fields(reply)).toEqual(['(body)']);
  });

  test('schema violations: 400 listing every failing field', async () => {
    const reply = await sendJson(api.url, 'POST', '/api/runs', tokens.a, {
      vision: '   ',
      colour: 'blue',
      options: { iterations: 0, approvals: ['nope'], budget: { maxAgentCalls: -1 } },
    });
    expectProblem(reply, 400, 'validation');
    expect(fields(reply)).toEqual(
      expect.arrayContaining([
        'vision',
        'colour',
        'options.iterations',
        'options.approvals.0',
        'options.budget.maxAgentCalls',
      ]),
    );
  });

  test('an unknown model, a bad idempotency key, stray query parameters: 400', async () => {
    expect(
      fields(
        await sendJson(api.url, 'POST', '/api/runs', tokens.a, {
          vision: shortVision,
          options: { model: 'no-such-model' },
        }),
      ),
    ).toEqual(['options.model']);
    // A known model this server has no settings for is refused at the start, without naming the settings.
    const unconfigured = await withoutAzureOpenAi(() =>
      sendJson(api.url, 'POST', '/api/runs', tokens.a, {
        vision: shortVision,
        options: { model: 'azure-openai' },
      }),
    );
    expectProblem(unconfigured, 400, 'validation');
    expect(unconfigured.json.errors).toEqual([
      { field: 'options.model', message: "the model 'azure-openai' is not configured on this server" },
    ]);
    const key = await sendJson(
      api.url,
      'POST',
      '/api/runs',
      tokens.a,
      { vision: shortVision },
      { 'idempotency-key': 'has space' },
    );
    expectProblem(key, 400);
    expect(fields(key)).toEqual(['Idempotency-Key']);
    expect(
      fields(await sendJson(api.url, 'POST', '/api/runs?iterations=2', tokens.a, { vision: shortVision })),
    ).toEqual(['query.iterations']);
    const text = await send(api.url, 'POST', '/api/runs?iterations=many&colour=red', {
      token: tokens.a,
      body: shortVision,
      contentType: 'text/markdown',
    });
    expectProblem(text, 400);
    expect(fields(text)).toEqual(['query.colour']);
    expect(
      fields(
        await send(api.url, 'POST', '/api/runs?iterations=many', {
          token: tokens.a,
          body: shortVision,
          contentType: 'text/markdown',
        }),
      ),
    ).toEqual(['iterations']);
  });

  test('a run on given artifacts: 400 naming each missing or invalid artifact, nothing stored', async () => {
    expect(
      fields(
        await sendJson(api.url, 'POST', '/api/runs', tokens.a, { fromPhase: 'architecture-to-development' }),
      ),
    ).toEqual(['artifacts']);
    expect(
      fields(await sendJson(api.url, 'POST', '/api/runs', tokens.a, { artifacts: [], vision: shortVision })),
    ).toEqual(['fromPhase']);
    const before = await send(api.url, 'GET', '/api/runs', { token: tokens.a });
    const reply = await sendJson(api.url, 'POST', '/api/runs', tokens.a, {
      fromPhase: 'architecture-to-development',
      artifacts: [
        { path: 'domain-model.json', content: '{"product": {}}' },
        { path: '../api/x.openapi.json', content: '{}' },
      ],
    });
    expectProblem(reply, 400, 'validation');
    expect(reply.json.errors).toEqual([
      { field: 'artifacts/../api/x.openapi.json', message: 'not a plain relative path inside the folder' },
      {
        field: 'artifacts/api',
        message: 'missing: one OpenAPI document per bounded context (api/<context-slug>.openapi.json)',
      },
    ]);
    expect((await send(api.url, 'GET', '/api/runs', { token: tokens.a })).json.items).toEqual(
      before.json.items,
    );
  });

  test('wrong or missing content type: 415', async () => {
    expectProblem(
      await send(api.url, 'POST', '/api/runs', {
        token: tokens.a,
        body: '<vision/>',
        contentType: 'application/xml',
      }),
      415,
      'unsupported-media-type',
    );
    expectProblem(await send(api.url, 'POST', '/api/runs', { token: tokens.a, body: shortVision }), 415);
    expectProblem(
      await send(api.url, 'POST', '/api/runs', {
        token: tokens.a,
        body: shortVision,
        contentType: 'text/markdown; charset=latin1',
      }),
      415,
    );
    expectProblem(
      await send(api.url, 'POST', '/api/runs/run-whatever/approvals/architecture', {
        token: tokens.a,
        body: 'approve',
        contentType: 'text/plain',
      }),
      415,
    );
  });

  test(`a vision over ${maxVisionBytes} bytes: 413`, async () => {
    const big = `# Big\n\n${'x'.repeat(maxVisionBytes)}`;
    expectProblem(
      await send(api.url, 'POST', '/api/runs', { token: tokens.a, body: big, contentType: 'text/markdown' }),
      413,
      'payload-too-large',
    );
    expectProblem(await sendJson(api.url, 'POST', '/api/runs', tokens.a, { vision: big }), 413);
    expectProblem(
      await send(api.url, 'POST', '/api/runs', {
        token: tokens.a,
        body: 'y'.repeat(200 * 1024),
        contentType: 'text/plain',
      }),
      413,
    );
    // A run request is small unless it gives artifacts.
    const padded = `{"vision": ${JSON.stringify(shortVision)}${' '.repeat(120 * 1024)}}`;
    expectProblem(
      await send(api.url, 'POST', '/api/runs', {
        token: tokens.a,
        body: padded,
        contentType: 'application/json',
      }),
      413,
      'payload-too-large',
    );
  });

  test('a missing body: 400', async () => {
    expectProblem(await send(api.url, 'POST', '/api/runs', { token: tokens.a }), 400);
  });

  test('list queries are validated', async () => {
    expect(fields(await send(api.url, 'GET', '/api/runs?status=Sleeping', { token: tokens.a }))).toEqual([
      'status',
    ]);
    expect(fields(await send(api.url, 'GET', '/api/runs?limit=0', { token: tokens.a }))).toEqual(['limit']);
    expect(fields(await send(api.url, 'GET', '/api/runs?limit=abc', { token: tokens.a }))).toEqual(['limit']);
    expect(fields(await send(api.url, 'GET', '/api/runs?sort=asc', { token: tokens.a }))).toEqual(['sort']);
    expect(
      fields(await send(api.url, 'GET', '/api/runs?continuationToken=garbage', { token: tokens.a })),
    ).toEqual(['continuationToken']);
  });

  test('an unknown or malformed run id: 404 on every run endpoint', async () => {
    for (const id of ['run-does-not-exist', 'x', 'bad.id']) {
      expectProblem(await send(api.url, 'GET', `/api/runs/${id}`, { token: tokens.a }), 404, 'not-found');
      expectProblem(await send(api.url, 'GET', `/api/runs/${id}/events`, { token: tokens.a }), 404);
      expectProblem(await send(api.url, 'GET', `/api/runs/${id}/trace`, { token: tokens.a }), 404);
      expectProblem(await send(api.url, 'GET', `/api/runs/${id}/artifacts`, { token: tokens.a }), 404);
      expectProblem(
        await send(api.url, 'GET', `/api/runs/${id}/artifacts/input/vision.md`, { token: tokens.a }),
        404,
      );
      expectProblem(
        await sendJson(api.url, 'POST', `/api/runs/${id}/approvals/architecture`, tokens.a, {
          decision: 'approve',
        }),
        404,
      );
      expectProblem(await send(api.url, 'POST', `/api/runs/${id}/cancel`, { token: tokens.a }), 404);
      expectProblem(
        await sendJson(api.url, 'POST', `/api/runs/${id}/changes`, tokens.a, {
          request: 'Add a waiting list.',
        }),
        404,
      );
    }
  });

  test('a caller-chosen correlation id is echoed; an unsafe one is replaced', async () => {
    const kept = await send(api.url, 'GET', '/api/runs/run-unknown', {
      token: tokens.a,
      headers: { 'x-correlation-id': 'client-chosen-1234' },
    });
    expect(kept.json.correlationId).toBe('client-chosen-1234');
    const replaced = await send(api.url, 'GET', '/api/runs/run-unknown', {
      token: tokens.a,
      headers: { 'x-correlation-id': 'bad id with spaces' },
    });
    expect(replaced.json.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

/** A run of tenant b made directly in the stores, for listing, artifacts and integrity checks without executing anything. */
async function seedRun(id: string, createdAt: string): Promise<RunDocument> {
  const doc: RunDocument = {
    id,
    tenantId: 'tenant-b',
    name: `seeded ${id}`,
    visionTitle: 'Seeded',
    visionPath: 'input/vision.md',
    status: 'Completed',
    createdAt,
    updatedAt: createdAt,
    options: { approvals: [], iterations: 1, model: 'blueprint' },
    iteration: 1,
    phases: [],
    gates: [],
    approvals: [],
    artifacts: [],
    counters: { agentCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
  };
  await api.session.ports.runs.create(doc);
  return doc;
}

describe('listing, paging and artifact integrity (seeded runs)', () => {
  const ids = ['run-seed-1', 'run-seed-2', 'run-seed-3', 'run-seed-4', 'run-seed-5'];
  beforeAll(async () => {
    for (const [i, id] of ids.entries()) await seedRun(id, `2026-01-0${i + 1}T00:00:00.000Z`);
  });

  test("a change request: only for the caller's own completed run, refused with the reason when it cannot apply", async () => {
    const url = `/api/runs/${ids[0]}/changes`;
    // Another tenant's run does not exist for the caller; a reader may not start runs.
    expectProblem(
      await sendJson(api.url, 'POST', url, tokens.a, { request: 'Each plot has a soil type.' }),
      404,
    );
    expectProblem(await sendJson(api.url, 'POST', url, tokens.aRead, { request: 'x' }), 403);
    const empty = await sendJson(api.url, 'POST', url, tokens.b, { request: ' ', extra: 1 });
    expectProblem(empty, 400);
    expect(empty.json.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'request']);
    const terms = await send(api.url, 'POST', url, {
      token: tokens.b,
      contentType: 'text/markdown',
      body: '---\nallowDataLoss: yes please\n---\nDrop the plots.',
    });
    expectProblem(terms, 400);
    expect(terms.json.detail).toContain("the change request's front matter: allowDataLoss");
    // A run that completed without building anything has no product to change.
    const nothing = await sendJson(api.url, 'POST', url, tokens.b, { request: 'Each plot has a soil type.' });
    expectProblem(nothing, 400);
    expect(nothing.json.detail).toContain(`run ${ids[0]} has no completed vision-to-architecture`);
    expect((await api.session.ports.runs.list('tenant-b', {})).items).toHaveLength(ids.length);
  });

  test('pages with limit and a continuation token (query or header), newest first, one tenant only', async () => {
    const first = await send(api.url, 'GET', '/api/runs?limit=2', { token: tokens.b });
    expect(first.status).toBe(200);
    expect(first.json.items.map((r: { runId: string }) => r.runId)).toEqual(['run-seed-5', 'run-seed-4']);
    expect(first.headers['x-continuation-token']).toBe(first.json.continuationToken);
    const second = await send(
      api.url,
      'GET',
      `/api/runs?limit=2&continuationToken=${encodeURIComponent(first.json.continuationToken)}`,
      { token: tokens.b },
    );
    expect(second.json.items.map((r: { runId: string }) => r.runId)).toEqual(['run-seed-3', 'run-seed-2']);
    const third = await send(api.url, 'GET', '/api/runs?limit=2', {
      token: tokens.b,
      headers: { 'x-continuation-token': second.json.continuationToken },
    });
    expect(third.json.items.map((r: { runId: string }) => r.runId)).toEqual(['run-seed-1']);
    expect(third.json.continuationToken).toBeNull();
    const filtered = await send(api.url, 'GET', '/api/runs?status=Running', { token: tokens.b });
    expect(filtered.json.items).toEqual([]);
    const otherTenant = await send(api.url, 'GET', '/api/runs?limit=100', { token: tokens.a });
    expect(otherTenant.json.items.map((r: { runId: string }) => r.runId)).not.toContain('run-seed-1');
  });

  test('another tenant sees the run as missing: 404, not 403', async () => {
    expectProblem(await send(api.url, 'GET', '/api/runs/run-seed-1', { token: tokens.a }), 404);
    expectProblem(await send(api.url, 'GET', '/api/runs/run-seed-1/artifacts', { token: tokens.a }), 404);
    expect((await send(api.url, 'GET', '/api/runs/run-seed-1', { token: tokens.b })).status).toBe(200);
  });

  test('a corrupted artifact is refused, not served', async () => {
    const store = api.session.ports.artifacts;
    await store.put('tenant-b', 'run-seed-1', 'notes/ok.txt', 'all good', {
      kind: 'vision-text',
      phase: 'input',
      agent: 'test',
      contentType: 'text/plain',
    });
    const ok = await send(api.url, 'GET', '/api/runs/run-seed-1/artifacts/notes/ok.txt', { token: tokens.b });
    expect(ok.status).toBe(200);
    expect(ok.text).toBe('all good');
    expect(ok.headers.etag).toBe(`"${sha256('all good')}"`);
    writeFileSync(join(store.describeLocation('tenant-b', 'run-seed-1'), 'notes', 'ok.txt'), 'tampered');
    const bad = await send(api.url, 'GET', '/api/runs/run-seed-1/artifacts/notes/ok.txt', {
      token: tokens.b,
    });
    expectProblem(bad, 500, 'artifact-corrupt');
    expect(bad.text).not.toContain('tampered');
  });

  test('artifacts named like Object.prototype members are listed and served like any other', async () => {
    const store = api.session.ports.artifacts;
    const names = ['__proto__', 'constructor', 'docs/__proto__'];
    const note = { kind: 'vision-text', phase: 'input', agent: 'test', contentType: 'text/plain' } as const;
    // Before they exist, asking for them is a plain 404.
    expectProblem(
      await send(api.url, 'GET', '/api/runs/run-seed-3/artifacts/constructor', { token: tokens.b }),
      404,
      'not-found',
    );
    for (const name of names) await store.put('tenant-b', 'run-seed-3', name, `text of ${name}`, note);
    const list = await send(api.url, 'GET', '/api/runs/run-seed-3/artifacts', { token: tokens.b });
    expect(list.status).toBe(200);
    expect(list.json.artifacts.map((a: { path: string }) => a.path)).toEqual(expect.arrayContaining(names));
    for (const name of names) {
      const one = await send(api.url, 'GET', `/api/runs/run-seed-3/artifacts/${name}`, { token: tokens.b });
      expect([name, one.status, one.text]).toEqual([name, 200, `text of ${name}`]);
    }
  });

  test('a large artifact is streamed and matches its hash', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 7);
    await api.session.ports.artifacts.put('tenant-b', 'run-seed-2', 'big/blob.bin', big, {
      kind: 'release-package-file',
      phase: 'input',
      agent: 'test',
      contentType: 'application/octet-stream',
    });
    const reply = await send(api.url, 'GET', '/api/runs/run-seed-2/artifacts/big/blob.bin', {
      token: tokens.b,
    });
    expect(reply.status).toBe(200);
    expect(reply.bytes.length).toBe(big.length);
    expect(sha256(reply.bytes)).toBe(sha256(big));
  });

  test('a large artifact that fails its hash is cut short of its Content-Length, never delivered whole', async () => {
    const big = Buffer.alloc(9 * 1024 * 1024, 3);
    const store = api.session.ports.artifacts;
    await store.put('tenant-b', 'run-seed-3', 'big/tampered.bin', big, {
      kind: 'release-package-file',
      phase: 'input',
      agent: 'test',
      contentType: 'application/octet-stream',
    });
    const tampered = Buffer.from(big);
    tampered[tampered.length - 1] = 4;
    writeFileSync(join(store.describeLocation('tenant-b', 'run-seed-3'), 'big', 'tampered.bin'), tampered);
    const outcome = await send(api.url, 'GET', '/api/runs/run-seed-3/artifacts/big/tampered.bin', {
      token: tokens.b,
    }).then(
      (reply) => ({ complete: reply.status === 200 && reply.bytes.equals(tampered) }),
      (error: Error) => ({ complete: false, error: error.message }),
    );
    expect(outcome).toEqual({ complete: false, error: 'aborted' });
  });
});

describe('a run waiting for approval of architecture', () => {
  let runId: string;
  let started: Reply;
  const body = { vision: shortVision, name: 'HTTP API run', options: { approvals: ['architecture'] } };
  const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';

  beforeAll(async () => {
    started = await sendJson(api.url, 'POST', '/api/runs', tokens.a, body, {
      'idempotency-key': 'api-test-run-1',
      traceparent: `00-${callerTrace}-00f067aa0ba902b7-01`,
    });
    runId = started.json.runId;
    await eventually(
      'the run to wait for approval',
      async () => {
        const reply = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
        if (['Failed', 'Completed', 'Terminated'].includes(reply.json.status))
          throw new Error(`run ended early: ${reply.text}`);
        return reply.json.status === 'WaitingForApproval' ? reply : undefined;
      },
      180_000,
      500,
    );
  }, 240_000);

  test('starting answers 202 with Location and the run URLs', () => {
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe(`${api.url}/api/runs/${runId}`);
    expect(started.json).toMatchObject({
      runId,
      name: 'HTTP API run',
      created: true,
      options: { approvals: ['architecture'], iterations: 1, model: 'blueprint' },
    });
    for (const link of ['self', 'events', 'trace', 'artifacts', 'approvals', 'cancel'])
      expect(started.json.links[link]).toContain(`/api/runs/${runId}`);
  });

  test('the same idempotency key and body return the same run; another body is a 409', async () => {
    const again = await sendJson(api.url, 'POST', '/api/runs', tokens.a, body, {
      'idempotency-key': 'api-test-run-1',
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ runId, created: false });
    const different = await sendJson(
      api.url,
      'POST',
      '/api/runs',
      tokens.a,
      { ...body, name: 'another' },
      { 'idempotency-key': 'api-test-run-1' },
    );
    expectProblem(different, 409, 'conflict');
  });

  test('another tenant cannot see or touch the run', async () => {
    for (const path of ['', '/events', '/trace', '/artifacts', '/artifacts/input/vision.md']) {
      expectProblem(await send(api.url, 'GET', `/api/runs/${runId}${path}`, { token: tokens.b }), 404);
    }
    expectProblem(
      await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.b, {
        decision: 'reject',
        onReject: 'end',
      }),
      404,
    );
    expectProblem(await send(api.url, 'POST', `/api/runs/${runId}/cancel`, { token: tokens.b }), 404);
    const list = await send(api.url, 'GET', '/api/runs', { token: tokens.b });
    expect(list.json.items.map((r: { runId: string }) => r.runId)).not.toContain(runId);
  });

  test("another tenant's run of the same id is its own: it runs, and each tenant sees and controls only its own", async () => {
    const vision = shortVision.replace('Neighbourhood tool library', 'Street tool library');
    const theirs = await sendJson(api.url, 'POST', '/api/runs', tokens.b, {
      vision,
      name: 'tenant b run',
      runId,
      options: { approvals: ['architecture'] },
    });
    expect(theirs.status).toBe(202);
    expect(theirs.json).toMatchObject({ runId, name: 'tenant b run', created: true });
    await eventually(
      "tenant b's run to wait for approval",
      async () => {
        const reply = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.b });
        if (['Failed', 'Completed', 'Terminated'].includes(reply.json.status))
          throw new Error(`run ended early: ${reply.text}`);
        return reply.json.status === 'WaitingForApproval' ? reply : undefined;
      },
      180_000,
      500,
    );
    const visionOf = async (token: string) =>
      (await send(api.url, 'GET', `/api/runs/${runId}/artifacts/input/vision.md`, { token })).text;
    expect(await visionOf(tokens.b)).toBe(vision);
    expect(await visionOf(tokens.a)).toBe(shortVision);
    // Event ids come from the instance id: the same occurrence in the two runs is two events, not a duplicate.
    const runStarted = async (token: string) => {
      const reply = await send(api.url, 'GET', `/api/runs/${runId}/events`, { token });
      return reply.json.events.find((e: { type: string }) => e.type === 'factory.RunStarted');
    };
    const [ours, others] = [await runStarted(tokens.a), await runStarted(tokens.b)];
    expect(others).toMatchObject({ subject: runId, tenantid: 'tenant-b' });
    expect(others.id).not.toBe(ours.id);

    // Tenant b's cancel and approval reach its own run only.
    const cancelled = await sendJson(api.url, 'POST', `/api/runs/${runId}/cancel`, tokens.b, {
      reason: 'tenant b is done',
    });
    expect(cancelled.json).toMatchObject({ runId, status: 'Terminated' });
    expectProblem(
      await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.b, {
        decision: 'reject',
        onReject: 'end',
      }),
      409,
      'gate-not-waiting',
    );
    await eventually("tenant b's orchestration to stop", async () => {
      const reply = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.b });
      return reply.json.durable?.runtimeStatus === 'Terminated' ? reply : undefined;
    });
    const mine = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
    expect(mine.json).toMatchObject({
      name: 'HTTP API run',
      status: 'WaitingForApproval',
      durable: { runtimeStatus: 'Running' },
    });
  }, 240_000);

  test('the run shows its durable status, phase progress and the waiting approval', async () => {
    const reply = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.aRead });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      runId,
      status: 'WaitingForApproval',
      currentPhase: 'vision-to-architecture',
      durable: { runtimeStatus: 'Running' },
    });
    expect(reply.json.progress).toMatchObject({ approvalGate: 'architecture' });
    expect(reply.json.phases[0]).toMatchObject({ phase: 'vision-to-architecture', status: 'Completed' });
    expect(reply.json.approvals).toEqual([
      expect.objectContaining({
        gate: 'architecture',
        waiting: true,
        decide: `${api.url}/api/runs/${runId}/approvals/architecture`,
      }),
    ]);
    const list = await send(api.url, 'GET', '/api/runs?status=WaitingForApproval', { token: tokens.a });
    expect(list.json.items.map((r: { runId: string }) => r.runId)).toContain(runId);
  });

  test("events are the run's CloudEvents in order", async () => {
    const reply = await send(api.url, 'GET', `/api/runs/${runId}/events`, { token: tokens.a });
    expect(reply.status).toBe(200);
    const types = reply.json.events.map((e: { type: string }) => e.type);
    expect(types[0]).toBe('factory.RunStarted');
    expect(types).toContain('factory.ApprovalRequested');
    expect(
      reply.json.events.every(
        (e: { subject: string; tenantid: string }) => e.subject === runId && e.tenantid === 'tenant-a',
      ),
    ).toBe(true);
  });

  test("the run continues the caller's W3C trace: its events carry the caller's trace id", async () => {
    const reply = await send(api.url, 'GET', `/api/runs/${runId}/events`, { token: tokens.a });
    const traces = reply.json.events.map((e: { traceparent?: string }) => e.traceparent?.split('-')[1]);
    expect(traces.length).toBeGreaterThan(0);
    expect(new Set(traces)).toEqual(new Set([callerTrace]));
  });

  test('the trace lists the run and phase orchestrations and their activity executions', async () => {
    const reply = await send(api.url, 'GET', `/api/runs/${runId}/trace`, { token: tokens.a });
    expect(reply.status).toBe(200);
    const ids = reply.json.orchestrations.map((o: { instanceId: string }) => o.instanceId);
    const instanceId = runInstanceId('tenant-a', runId);
    expect(ids).toEqual([instanceId, `${instanceId}:vision-to-architecture:1:1`]);
    const names = new Set(reply.json.activities.map((a: { name: string }) => a.name));
    for (const name of ['publishEvent', 'recordRunState', 'visionArchitect', 'evaluateGate'])
      expect(names).toContain(name);
    const done = reply.json.activities.filter((a: { outcome: string }) => a.outcome === 'completed');
    expect(done.length).toBeGreaterThan(10);
    expect(
      done.every((a: { durationMs: number | null }) => typeof a.durationMs === 'number' && a.durationMs >= 0),
    ).toBe(true);
  });

  test('artifacts are listed and downloaded with content type and sha256 ETag; If-None-Match gives 304', async () => {
    const list = await send(api.url, 'GET', `/api/runs/${runId}/artifacts`, { token: tokens.a });
    expect(list.status).toBe(200);
    const vision = list.json.artifacts.find((a: { kind: string }) => a.kind === 'vision-text');
    expect(vision).toMatchObject({
      path: 'input/vision.md',
      contentType: 'text/markdown',
      sha256: sha256(shortVision),
    });
    expect(list.json.artifacts.some((a: { kind: string }) => a.kind === 'openapi')).toBe(true);
    const kind = await send(api.url, 'GET', `/api/runs/${runId}/artifacts?kind=openapi`, { token: tokens.a });
    expect(kind.json.artifacts.length).toBeGreaterThan(0);
    expect(kind.json.artifacts.every((a: { kind: string }) => a.kind === 'openapi')).toBe(true);

    const download = await send(api.url, 'GET', new URL(vision.url).pathname, { token: tokens.a });
    expect(download.status).toBe(200);
    expect(download.text).toBe(shortVision);
    expect(download.headers['content-type']).toBe('text/markdown');
    expect(download.headers.etag).toBe(`"${sha256(shortVision)}"`);
    expect(download.headers['x-content-type-options']).toBe('nosniff');
    const cached = await send(api.url, 'GET', new URL(vision.url).pathname, {
      token: tokens.a,
      headers: { 'if-none-match': download.headers.etag as string },
    });
    expect(cached.status).toBe(304);
    expect(cached.bytes.length).toBe(0);
    const openapi = kind.json.artifacts[0];
    const doc = await send(api.url, 'GET', new URL(openapi.url).pathname, { token: tokens.a });
    expect(sha256(doc.bytes)).toBe(openapi.sha256);
    expectProblem(
      await send(api.url, 'GET', `/api/runs/${runId}/artifacts/input/missing.md`, { token: tokens.a }),
      404,
    );
  });

  test('artifact paths that climb out of the run are refused', async () => {
    const refused = [
      '..%2f..%2f..%2fetc%2fpasswd',
      'input%2f..%2f..%2fother',
      '%2fetc%2fpasswd',
      'input%5c..%5c..%5cvision.md',
      '..%5cvision.md',
      'input/vision.md%00.txt',
      '%252e%252e/%252e%252e/x',
      'input/%252e%252e%252fvision.md',
      'C:%5cwindows%5cwin.ini',
      'input//vision.md',
      'input/.%2fvision.md',
    ];
    for (const path of refused) {
      const reply = await send(api.url, 'GET', `/api/runs/${runId}/artifacts/${path}`, { token: tokens.a });
      expectProblem(reply, 400, 'invalid-artifact-path');
      expect(fields(reply)).toEqual(['path']);
    }
    // Dot segments, plain or encoded, are removed by URL normalisation before routing (as the Functions host
    // does), so these never reach the artifact route: whatever answers, it is not a file outside the run.
    for (const path of ['../../../etc/passwd', '%2e%2e/%2e%2e/%2e%2e/etc/passwd', '.%2e/.%2e/x']) {
      const reply = await send(api.url, 'GET', `/api/runs/${runId}/artifacts/${path}`, { token: tokens.a });
      expect(reply.status).toBeGreaterThanOrEqual(400);
      expect(reply.status).toBeLessThan(500);
      expect(reply.text).not.toMatch(/root:/);
    }
  });

  test('approvals: unknown or not-waiting gates are 409; bad decisions are 400', async () => {
    expectProblem(
      await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/nonsense`, tokens.a, {
        decision: 'approve',
      }),
      409,
      'gate-not-waiting',
    );
    expectProblem(
      await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/development`, tokens.a, {
        decision: 'approve',
      }),
      409,
      'gate-not-waiting',
    );
    const bad = await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.a, {
      decision: 'maybe',
      extra: 1,
    });
    expectProblem(bad, 400);
    expect(fields(bad)).toEqual(expect.arrayContaining(['decision', 'extra']));
    expect(
      fields(
        await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.a, {
          decision: 'approve',
          onReject: 'end',
        }),
      ),
    ).toEqual(['onReject']);
    expectProblem(
      await send(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, { token: tokens.a }),
      400,
    );
  });

  test('approving moves the run on; approving again is a 409', async () => {
    const reply = await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.a, {
      decision: 'approve',
      reason: 'looks right',
    });
    expect(reply.status).toBe(202);
    expect(reply.json).toMatchObject({ runId, gate: 'architecture', decision: 'approve', accepted: true });
    const moved = await eventually('the approval to be recorded', async () => {
      const run = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
      return run.json.approvals[0]?.decision ? run : undefined;
    });
    expect(moved.json.approvals[0]).toMatchObject({
      gate: 'architecture',
      decision: 'approve',
      by: 'alice',
      reason: 'looks right',
    });
    expectProblem(
      await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.a, {
        decision: 'approve',
      }),
      409,
    );
  });

  test('cancel terminates the run; cancelling again returns it unchanged', async () => {
    const reply = await sendJson(api.url, 'POST', `/api/runs/${runId}/cancel`, tokens.a, {
      reason: 'enough for this test',
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toMatchObject({
      runId,
      status: 'Terminated',
      failure: { reason: 'cancelled', message: 'enough for this test' },
    });
    const again = await send(api.url, 'POST', `/api/runs/${runId}/cancel`, { token: tokens.a });
    expect(again.status).toBe(200);
    expect(again.json.status).toBe('Terminated');
    const run = await eventually('the orchestration to stop', async () => {
      const r = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
      return r.json.durable?.runtimeStatus === 'Terminated' ? r : undefined;
    });
    expect(run.json.status).toBe('Terminated');
  });
});

describe('one run id started twice at once by one tenant', () => {
  test('one run starts; the other request is one clear 409 and leaves nothing behind', async () => {
    const runId = 'race-run-1';
    const bodies = [
      { vision: shortVision, name: 'first', runId },
      { vision: `${shortVision}\nMembers rate each other after a loan.\n`, name: 'second', runId },
    ];
    const replies = await Promise.all(
      bodies.map((body) => sendJson(api.url, 'POST', '/api/runs', tokens.a, body)),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([202, 409]);
    const winner = bodies[replies.findIndex((r) => r.status === 202)];
    const loser = replies.find((r) => r.status === 409)!;
    expectProblem(loser, 409, 'conflict');
    expect(loser.json.detail).toBe(`run ${runId} already exists with a different request`);

    const run = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
    expect(run.json).toMatchObject({ runId, name: winner.name });
    const vision = await send(api.url, 'GET', `/api/runs/${runId}/artifacts/input/vision.md`, {
      token: tokens.a,
    });
    expect(vision.text).toBe(winner.vision);
    const instances = api.session.factory.host
      .listInstances()
      .filter((i) => i.name === 'factoryRun' && (i.input as RunInput).runId === runId);
    expect(instances.map((i) => i.instanceId)).toEqual([runInstanceId('tenant-a', runId)]);

    const cancelled = await send(api.url, 'POST', `/api/runs/${runId}/cancel`, { token: tokens.a });
    expect(cancelled.json.status).toBe('Terminated');
  });
});
