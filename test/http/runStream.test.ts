import { eventually, send, sendJson, shortVision, startApi, tokens, type Api } from './support';

interface Message {
  event: string;
  id?: string;
  data: string;
}

/**
 * Reads a run's stream as a browser's fetch would, message by message, until `enough` says so, the server ends
 * the response, or `timeoutMs` passes; the connection is then closed by the client.
 */
async function readStream(
  api: Api,
  runId: string,
  enough: (messages: Message[]) => boolean,
  options: { token?: string; lastEventId?: string; timeoutMs?: number } = {},
): Promise<{ messages: Message[]; closedByServer: boolean; contentType: string | null }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 60_000);
  const response = await fetch(`${api.url}/api/runs/${runId}/stream`, {
    headers: {
      authorization: `Bearer ${options.token ?? tokens.a}`,
      ...(options.lastEventId !== undefined ? { 'last-event-id': options.lastEventId } : {}),
    },
    signal: controller.signal,
  });
  expect(response.status).toBe(200);
  const messages: Message[] = [];
  let closedByServer = false;
  let buffer = '';
  const decoder = new TextDecoder();
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        closedByServer = true;
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const message: Message = { event: 'message', data: '' };
        for (const line of buffer.slice(0, cut).split('\n')) {
          const [field, ...rest] = line.split(': ');
          if (field === 'event') message.event = rest.join(': ');
          if (field === 'id') message.id = rest.join(': ');
          if (field === 'data') message.data = rest.join(': ');
        }
        buffer = buffer.slice(cut + 2);
        if (message.data) messages.push(message);
      }
      if (enough(messages)) break;
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return { messages, closedByServer, contentType: response.headers.get('content-type') };
}

const lastRun = (messages: Message[]) =>
  [...messages].reverse().find((m) => m.event === 'run') &&
  JSON.parse([...messages].reverse().find((m) => m.event === 'run')!.data);

let api: Api;
let runId: string;
beforeAll(async () => {
  api = await startApi();
  const started = await sendJson(api.url, 'POST', '/api/runs', tokens.a, {
    vision: shortVision,
    name: 'streamed run',
    options: { approvals: ['architecture'] },
  });
  expect(started.status).toBe(202);
  runId = started.json.runId;
}, 120_000);
afterAll(async () => api?.close());

describe("a run's event stream", () => {
  let seen: Message[] = [];

  test('shows the run live until it waits for approval, each CloudEvent once with its position as id', async () => {
    const { messages, contentType } = await readStream(
      api,
      runId,
      (m) => lastRun(m)?.status === 'WaitingForApproval',
      { timeoutMs: 180_000 },
    );
    expect(contentType).toBe('text/event-stream; charset=utf-8');
    expect(lastRun(messages)).toMatchObject({
      runId,
      status: 'WaitingForApproval',
      approvals: [{ gate: 'architecture', waiting: true }],
    });
    seen = messages.filter((m) => m.event === 'cloudevent');
    expect(seen.map((m) => m.id)).toEqual(seen.map((_, i) => String(i + 1)));
    const types = seen.map((m) => JSON.parse(m.data).type);
    expect(types[0]).toBe('factory.RunStarted');
    const stored = await send(api.url, 'GET', `/api/runs/${runId}/events`, { token: tokens.a });
    expect(seen.map((m) => JSON.parse(m.data).id)).toEqual(
      stored.json.events.slice(0, seen.length).map((e: { id: string }) => e.id),
    );
  }, 200_000);

  test('a client that reconnects with Last-Event-ID gets only the events it missed', async () => {
    expect(seen.length).toBeGreaterThan(2);
    const from = seen.length - 2;
    const { messages } = await readStream(api, runId, (m) => m.some((x) => x.event === 'run'), {
      lastEventId: String(from),
    });
    const again = messages.filter((m) => m.event === 'cloudevent');
    expect(again.map((m) => m.id)).toEqual([String(from + 1), String(from + 2)]);
    expect(again.map((m) => m.data)).toEqual(seen.slice(from).map((m) => m.data));
  });

  test('one tenant holds at most 32 streams open on an instance: the next is a 429 until one closes', async () => {
    const open = (token: string) => {
      const controller = new AbortController();
      const answer = fetch(`${api.url}/api/runs/${runId}/stream`, {
        headers: { authorization: `Bearer ${token}` },
        signal: controller.signal,
      });
      return { controller, answer };
    };
    const streams = Array.from({ length: 32 }, () => open(tokens.aRead));
    try {
      expect((await Promise.all(streams.map((s) => s.answer))).map((r) => r.status)).toEqual(
        streams.map(() => 200),
      );
      const refused = await send(api.url, 'GET', `/api/runs/${runId}/stream`, { token: tokens.a });
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBe('2');
      expect(refused.json.type).toBe('urn:software-factory:problem:too-many-requests');
      streams[0].controller.abort();
      const next = await eventually('a stream to be accepted again', async () => {
        const attempt = open(tokens.a);
        const response = await attempt.answer;
        if (response.status === 200) return attempt;
        await response.body?.cancel();
        return undefined;
      });
      next.controller.abort();
    } finally {
      for (const stream of streams) stream.controller.abort();
    }
  });

  test('a Last-Event-ID that is not a position, another tenant and no credentials are refused', async () => {
    const bad = await send(api.url, 'GET', `/api/runs/${runId}/stream`, {
      token: tokens.a,
      headers: { 'last-event-id': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.errors).toEqual([{ field: 'header.last-event-id', message: expect.any(String) }]);
    expect((await send(api.url, 'GET', `/api/runs/${runId}/stream`, { token: tokens.b })).status).toBe(404);
    expect((await send(api.url, 'GET', `/api/runs/${runId}/stream`)).status).toBe(401);
  });

  test('ends with `end` when the run ends (here: rejected at the approval)', async () => {
    const reading = readStream(api, runId, () => false, { timeoutMs: 120_000 });
    const decided = await sendJson(api.url, 'POST', `/api/runs/${runId}/approvals/architecture`, tokens.a, {
      decision: 'reject',
      reason: 'not this time',
      onReject: 'end',
    });
    expect(decided.status).toBe(202);
    const { messages, closedByServer } = await reading;
    expect(closedByServer).toBe(true);
    expect(messages[messages.length - 1].event).toBe('end');
    expect(lastRun(messages)).toMatchObject({ status: 'Rejected' });
  }, 150_000);
});

describe('who am I, and the dashboard', () => {
  test('GET /api/me names the caller, their tenant and roles', async () => {
    const me = await send(api.url, 'GET', '/api/me', { token: tokens.aRead });
    expect(me.status).toBe(200);
    expect(me.json).toEqual({ subject: expect.any(String), tenantId: 'tenant-a', roles: ['Runs.Read'] });
    expect((await send(api.url, 'GET', '/api/me')).status).toBe(401);
  });

  test("the server's front page is the dashboard, served with a strict content security policy", async () => {
    const front = await send(api.url, 'GET', '/');
    expect(front.status).toBe(302);
    expect(front.headers.location).toBe('/api/dashboard/');
    const bare = await send(api.url, 'GET', '/api/dashboard');
    expect([bare.status, bare.headers.location]).toEqual([302, '/api/dashboard/']);
    const page = await send(api.url, 'GET', '/api/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('<script type="module" src="main.js"></script>');
    const script = await send(api.url, 'GET', '/api/dashboard/main.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const path of [
      '/api/dashboard/../package.json',
      '/api/dashboard/%2e%2e/host.json',
      '/api/dashboard/nope.js',
    ])
      expect((await send(api.url, 'GET', path)).status).toBe(404);
  });
});
