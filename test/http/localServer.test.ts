import { connect } from 'node:net';
import { serve } from '../../local/cli/commands/serve';
import { AuthConfigurationError } from '../../platform/auth';
import { SettingsError } from '../../platform/config';
import { publicOrigin } from '../../platform/publicOrigin';
import { send, sendJson, shortVision, startApi, tokenSetting, tokens, withEnv, type Api } from './support';

const origin = 'https://factory.example.org';

// Runs are accepted but not executed: these tests are about `factory serve`'s own surface.
let api: Api;
let runOfA: string;
beforeAll(async () => {
  api = await startApi(
    { FACTORY_API_TOKENS: tokenSetting, FACTORY_PUBLIC_ORIGIN: origin },
    { process: false },
  );
  runOfA = (await sendJson(api.url, 'POST', '/api/runs', tokens.a, { vision: shortVision })).json.runId;
}, 120_000);
afterAll(async () => api?.close());

/**
 * One request written byte by byte on a socket: the head, then `body` (possibly less than the head declares),
 * and the reply as it arrives. Resolves once a whole response (by its Content-Length) is in, with `reset` telling
 * whether the connection was reset rather than closed.
 */
function rawRequest(
  head: string[],
  body: Buffer,
  options: { end?: boolean } = {},
): Promise<{ status: number; headers: string; body: string; reset: boolean }> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    let received = Buffer.alloc(0);
    let reset = false;
    const done = () => {
      const text = received.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split === -1) return false;
      const headers = text.slice(0, split);
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? -1);
      const rest = received.subarray(Buffer.byteLength(text.slice(0, split + 4)));
      if (length < 0 || rest.length < length) return false;
      resolve({
        status: Number(headers.split(' ')[1]),
        headers,
        body: rest.subarray(0, length).toString('utf8'),
        reset,
      });
      socket.destroy();
      return true;
    };
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      done();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      reset = error.code === 'ECONNRESET' || error.code === 'EPIPE';
      if (!done()) reject(error);
    });
    socket.on('close', () => {
      if (!done())
        reject(new Error(`connection closed before a whole response: ${received.toString('utf8')}`));
    });
    socket.write(`${head.join('\r\n')}\r\n\r\n`);
    socket.write(body);
    if (options.end) socket.end();
  });
}

const hostHeader = () => `Host: ${new URL(api.url).host}`;

describe('the Host header names this server (DNS rebinding)', () => {
  test.each([
    ['a rebound name', 'attacker.example:7071'],
    ['a look-alike', 'factory.example.org.attacker.example'],
    ['userinfo', 'factory.example.org@attacker.example'],
  ])('%s is refused with 421 before anything else', async (_label, host) => {
    for (const path of ['/api/runs', '/reports/', '/api/health']) {
      const reply = await send(api.url, 'GET', path, { token: tokens.a, headers: { host } });
      expect([path, reply.status, reply.headers['content-type']]).toEqual([
        path,
        421,
        'application/problem+json',
      ]);
    }
  });

  test('a request without a Host header is refused', async () => {
    const reply = await rawRequest(['GET /api/health HTTP/1.0'], Buffer.alloc(0));
    expect(reply.status).toBe(421);
  });

  test.each(['localhost', '127.0.0.1', '[::1]', 'LOCALHOST:7071', 'factory.example.org'])(
    '%s is answered',
    async (host) => {
      expect((await send(api.url, 'GET', '/api/runs', { token: tokens.a, headers: { host } })).status).toBe(
        200,
      );
    },
  );
});

describe('links and Location', () => {
  test('come from FACTORY_PUBLIC_ORIGIN, never from the Host header', async () => {
    const started = await sendJson(
      api.url,
      'POST',
      '/api/runs',
      tokens.a,
      { vision: shortVision, runId: 'run-origin-check' },
      { host: 'localhost:9' },
    );
    expect(started.status).toBe(202);
    expect(started.headers.location).toBe(`${origin}/api/runs/run-origin-check`);
    expect(started.json.links.self).toBe(`${origin}/api/runs/run-origin-check`);
    const list = await send(api.url, 'GET', '/api/runs?limit=1', {
      token: tokens.a,
      headers: { host: 'localhost' },
    });
    expect(list.json.next).toMatch(new RegExp(`^${origin}/api/runs\\?`));
  });

  test('an absolute-form or protocol-relative request target does not change the origin of links', async () => {
    await withEnv({ FACTORY_PUBLIC_ORIGIN: undefined }, async () => {
      for (const target of [
        'http://attacker.example/api/runs?limit=1',
        '//attacker.example/api/runs?limit=1',
      ]) {
        // The path is sent as given, so the request line carries the target unchanged.
        const reply = await send(api.url, 'GET', target, { token: tokens.a });
        expect([target, reply.status]).toEqual([target, 200]);
        const links = reply.json as { items: Array<{ links: { self: string } }>; next: string };
        expect(links.items[0].links.self).toMatch(new RegExp(`^${origin}/api/runs/`));
        expect(links.next).toMatch(new RegExp(`^${origin}/api/runs\\?`));
      }
    });
  });

  test('FACTORY_PUBLIC_ORIGIN must be an http(s) origin', () => {
    for (const value of [
      'factory.example.org',
      'ftp://factory.example.org',
      'javascript:alert(1)',
      'https://factory.example.org/api',
      'https://factory.example.org?x=1',
      'https://factory.example.org#top',
      'https://user:pw@factory.example.org',
    ]) {
      expect(() => publicOrigin({ FACTORY_PUBLIC_ORIGIN: value })).toThrow(SettingsError);
    }
    expect(publicOrigin({ FACTORY_PUBLIC_ORIGIN: 'https://Factory.Example.org:8443/' })).toBe(
      'https://factory.example.org:8443',
    );
    expect(publicOrigin({})).toBeUndefined();
  });

  test('a broken FACTORY_PUBLIC_ORIGIN fails closed with a problem that does not echo it', async () => {
    await withEnv({ FACTORY_PUBLIC_ORIGIN: 'https://evil.example/<script>' }, async () => {
      const reply = await send(api.url, 'GET', '/api/runs', { token: tokens.a });
      expect([reply.status, reply.json.type]).toEqual([
        500,
        'urn:software-factory:problem:server-configuration',
      ]);
      expect(reply.text).not.toContain('evil');
    });
  });
});

describe('reports under /reports/', () => {
  test('need the bearer token: without one, or with a wrong one, 401 with a challenge', async () => {
    for (const path of ['/reports/', '/reports', `/reports/${runOfA}.html`, '/reports/nope.html']) {
      const anonymous = await send(api.url, 'GET', path);
      expect([path, anonymous.status, anonymous.json?.type]).toEqual([
        path,
        401,
        'urn:software-factory:problem:unauthenticated',
      ]);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(anonymous.text).not.toContain(runOfA.slice(4));
      const forged = await send(api.url, 'GET', path, { token: 'x'.repeat(40) });
      expect([path, forged.status]).toEqual([path, 401]);
    }
    // A client-supplied App Service principal is no credential outside appservice mode.
    const principal = Buffer.from(JSON.stringify({ claims: [{ typ: 'tid', val: 'tenant-a' }] })).toString(
      'base64',
    );
    expect(
      (await send(api.url, 'GET', '/reports/', { headers: { 'x-ms-client-principal': principal } })).status,
    ).toBe(401);
  });

  test("show the caller's tenant only: another tenant's run is not found and not listed", async () => {
    const ownIndex = await send(api.url, 'GET', '/reports/', { token: tokens.aRead });
    expect(ownIndex.status).toBe(200);
    expect(ownIndex.text).toContain(runOfA);
    expect(ownIndex.text).toContain('tenant-a');
    expect(ownIndex.headers['cache-control']).toBe('no-store');
    const own = await send(api.url, 'GET', `/reports/${runOfA}.html`, { token: tokens.a });
    expect([own.status, own.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);

    const otherIndex = await send(api.url, 'GET', '/reports/', { token: tokens.b });
    expect(otherIndex.status).toBe(200);
    expect(otherIndex.text).not.toContain(runOfA);
    const other = await send(api.url, 'GET', `/reports/${runOfA}.html`, { token: tokens.b });
    expect(other.status).toBe(404);
    expect(other.text).not.toContain(shortVision.slice(2, 30));
  });

  test('need the Runs.Read role', async () => {
    const approver = 'approver-only-token-000000000000000';
    await withEnv(
      {
        FACTORY_API_TOKENS: JSON.stringify({ [approver]: { tenant: 'tenant-a', roles: ['Gates.Approve'] } }),
      },
      async () => {
        const reply = await send(api.url, 'GET', '/reports/', { token: approver });
        expect([reply.status, reply.json.type]).toEqual([403, 'urn:software-factory:problem:forbidden']);
      },
    );
  });
});

describe('request bodies', () => {
  const head = (length: number | 'chunked', token?: string) => [
    'POST /api/runs HTTP/1.1',
    hostHeader(),
    'Content-Type: text/markdown',
    length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`,
    ...(token ? [`Authorization: Bearer ${token}`] : []),
  ];

  test('without credentials: 401 before the body is read (the answer comes while the body is still unsent)', async () => {
    const reply = await rawRequest(head(50 * 1024 * 1024), Buffer.alloc(1000, 'x'));
    expect(reply.status).toBe(401);
    expect(reply.headers).toMatch(/content-type: application\/problem\+json/i);
    expect(reply.headers).toMatch(/www-authenticate: Bearer/i);
    const chunked = await rawRequest(head('chunked'), Buffer.from('3e8\r\n' + 'x'.repeat(1000) + '\r\n'));
    expect(chunked.status).toBe(401);
  });

  test('Expect: 100-continue is answered only when the request may send its body', async () => {
    const expecting = (length: number, token?: string) => [...head(length, token), 'Expect: 100-continue'];
    // Refused: the final answer comes instead of 100 Continue, so the client never sends the body.
    const anonymous = await rawRequest(expecting(5000), Buffer.alloc(0));
    expect(anonymous.status).toBe(401);
    const oversized = await rawRequest(expecting(50 * 1024 * 1024, tokens.a), Buffer.alloc(0));
    expect(oversized.status).toBe(413);
    // Accepted: 100 Continue first, then the body is read and the run started.
    const url = new URL(api.url);
    const socket = connect(Number(url.port), url.hostname);
    const body = Buffer.from(shortVision);
    let received = '';
    const waitFor = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (pattern.test(received) ? resolve() : undefined);
        socket.on('data', (chunk: Buffer) => {
          received += chunk.toString('utf8');
          check();
        });
        socket.once('error', reject);
        check();
      });
    socket.write(`${expecting(body.length, tokens.a).join('\r\n')}\r\n\r\n`);
    await waitFor(/^HTTP\/1\.1 100 Continue\r\n\r\n/);
    socket.write(body);
    await waitFor(/HTTP\/1\.1 202 /);
    socket.destroy();
  });

  test('a declared length over the limit: 413 problem at once, without reading the body', async () => {
    const reply = await rawRequest(head(50 * 1024 * 1024, tokens.a), Buffer.alloc(1000, 'x'));
    expect(reply.status).toBe(413);
    expect(JSON.parse(reply.body)).toMatchObject({ status: 413, title: 'Payload Too Large' });
    expect(reply.headers).toMatch(/connection: close/i);
  });

  test('a streamed body over the limit: 413 problem and a clean close, not a connection reset', async () => {
    const size = 3 * 1024 * 1024;
    const chunk = Buffer.alloc(64 * 1024, 'y');
    const parts: Buffer[] = [];
    for (let sent = 0; sent < size; sent += chunk.length)
      parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
    parts.push(Buffer.from('0\r\n\r\n'));
    const reply = await rawRequest(head('chunked', tokens.a), Buffer.concat(parts), { end: true });
    expect([reply.status, reply.reset]).toEqual([413, false]);
    expect(JSON.parse(reply.body)).toMatchObject({
      status: 413,
      detail: expect.stringMatching(/over \d+ bytes/),
    });
    // The same over a client that writes the whole body and then reads: the answer, not ECONNRESET.
    const whole = await send(api.url, 'POST', '/api/runs', {
      token: tokens.a,
      body: Buffer.alloc(size, 'z'),
      contentType: 'text/markdown',
    });
    expect(whole.status).toBe(413);
    expect(whole.json).toMatchObject({ status: 413 });
  });
});

describe('FACTORY_AUTH_MODE=appservice', () => {
  test('factory serve refuses to start unless App Service Authentication is on', async () => {
    await withEnv({ FACTORY_AUTH_MODE: 'appservice', WEBSITE_AUTH_ENABLED: undefined }, async () => {
      await expect(serve(api.session, 0)).rejects.toThrow(AuthConfigurationError);
      await expect(serve(api.session, 0)).rejects.toThrow(/WEBSITE_AUTH_ENABLED is not True/);
    });
    await withEnv({ FACTORY_AUTH_MODE: 'appservice', WEBSITE_AUTH_ENABLED: 'False' }, async () => {
      await expect(serve(api.session, 0)).rejects.toThrow(AuthConfigurationError);
    });
    await withEnv({ FACTORY_AUTH_MODE: 'appservice', WEBSITE_AUTH_ENABLED: 'True' }, async () => {
      const serving = await serve(api.session, 0);
      await serving.close();
    });
  });
});
