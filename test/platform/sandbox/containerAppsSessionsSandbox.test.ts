import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ContainerAppsSessionsSandbox,
  SessionsApiError,
} from '../../../platform/sandbox/containerAppsSessionsSandbox';
import { sessionsApiVersion } from '../../../platform/sandbox/sessionProtocol';
import {
  fakeEntraCredential,
  startSessionPool,
  type SessionPoolFake,
} from '../../support/servers/sessionPool';
import { limits, sandboxContract } from './sandboxContract';

let contractPool: SessionPoolFake;
sandboxContract(
  'Container Apps dynamic sessions (loopback pool)',
  async () => {
    contractPool = await startSessionPool();
    return new ContainerAppsSessionsSandbox({
      endpoint: contractPool.endpoint,
      credential: fakeEntraCredential(),
    });
  },
  async () => contractPool.close(),
);

describe('ContainerAppsSessionsSandbox', () => {
  let pool: SessionPoolFake;

  beforeAll(async () => {
    pool = await startSessionPool();
  });
  afterAll(async () => pool.close());
  beforeEach(() => {
    pool.requests.length = 0;
  });

  const hello = {
    files: [
      { path: 'a.js', content: "console.log('a')" },
      { path: 'lib/b.txt', content: 'b' },
    ],
    command: [process.execPath, 'a.js'],
    ...limits,
  };

  it('uses a fresh identifier per run, uploads, executes and deletes the session, all with the api-version', async () => {
    const credential = fakeEntraCredential();
    const sandbox = new ContainerAppsSessionsSandbox({ endpoint: `${pool.endpoint}/`, credential });
    const first = await sandbox.run(hello);
    const second = await sandbox.run(hello);
    expect([first.stdout, second.stdout]).toEqual(['a\n', 'a\n']);

    const identifiers = [...new Set(pool.requests.map((r) => r.identifier))];
    expect(identifiers).toHaveLength(2);
    expect(identifiers.every((id) => /^run-[0-9a-f-]{36}$/.test(String(id)))).toBe(true);
    for (const id of identifiers) {
      const calls = pool.requests.filter((r) => r.identifier === id).map((r) => `${r.method} ${r.path}`);
      expect(calls.sort()).toEqual(['DELETE /session', 'POST /executions', 'POST /files', 'POST /files']);
    }
    expect(pool.requests.every((r) => r.apiVersion === sessionsApiVersion)).toBe(true);
    expect(pool.liveSessions()).toEqual([]);
    expect(new Set(credential.scopes)).toEqual(new Set(['https://dynamicsessions.io/.default']));
  });

  it('fails with the service error when the token is for another audience, and sends nothing else', async () => {
    const other = fakeEntraCredential();
    const sandbox = new ContainerAppsSessionsSandbox({
      endpoint: pool.endpoint,
      credential: { getToken: () => other.getToken('https://management.azure.com/.default') },
    });
    const failure = sandbox.run(hello);
    await expect(failure).rejects.toBeInstanceOf(SessionsApiError);
    await expect(failure).rejects.toThrow(/401 Unauthorized/);
    expect(pool.requests.map((r) => r.path)).not.toContain('/executions');
  });

  it('reports a timeout when the pool does not answer within the limit and the grace period', async () => {
    const slow = await startSessionPool({ executionDelayMs: 3000 });
    try {
      const sandbox = new ContainerAppsSessionsSandbox({
        endpoint: slow.endpoint,
        credential: fakeEntraCredential(),
        graceMs: 100,
      });
      const started = Date.now();
      const result = await sandbox.run({ ...hello, timeoutMs: 500 });
      // Given up by the adapter (no signal), not by the session's own limit (which would report SIGKILL).
      expect(result).toMatchObject({ timedOut: true, exitCode: null, signal: null, stdout: '' });
      expect(Date.now() - started).toBeLessThan(2500);
      expect(slow.requests.map((r) => `${r.method} ${r.path}`)).toContain('DELETE /session');
    } finally {
      await slow.close();
    }
  });

  /** A front of the pool that resets the connection of the first request to `path`, and passes the rest on. */
  async function resettingFront(
    path: string,
  ): Promise<{ endpoint: string; resets: () => number; close(): Promise<void> }> {
    let resets = 0;
    const front = createServer((req, res) => {
      if (resets === 0 && new URL(req.url ?? '/', 'http://front').pathname === path) {
        resets++;
        req.socket.resetAndDestroy();
        return;
      }
      const target = new URL(req.url ?? '/', pool.endpoint);
      const upstream = httpRequest(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const { port } = front.address() as AddressInfo;
    return {
      endpoint: `http://127.0.0.1:${port}`,
      resets: () => resets,
      close: async () => {
        front.closeAllConnections();
        await new Promise((resolve) => front.close(resolve));
      },
    };
  }

  it('sends an upload again when its connection is reset, and the run completes', async () => {
    const front = await resettingFront('/files');
    try {
      const sandbox = new ContainerAppsSessionsSandbox({
        endpoint: front.endpoint,
        credential: fakeEntraCredential(),
      });
      expect((await sandbox.run(hello)).stdout).toBe('a\n');
      expect(front.resets()).toBe(1);
      expect(pool.requests.filter((r) => r.path === '/files')).toHaveLength(2);
    } finally {
      await front.close();
    }
  });

  it('never sends an execution twice: a reset execution fails the run', async () => {
    const front = await resettingFront('/executions');
    try {
      const sandbox = new ContainerAppsSessionsSandbox({
        endpoint: front.endpoint,
        credential: fakeEntraCredential(),
      });
      await expect(sandbox.run(hello)).rejects.toThrow('fetch failed');
      expect(front.resets()).toBe(1);
      expect(pool.requests.filter((r) => r.path === '/executions')).toHaveLength(0);
      expect(pool.liveSessions()).toEqual([]);
    } finally {
      await front.close();
    }
  });

  it('gives up on a pool that stops answering an upload', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const sandbox = new ContainerAppsSessionsSandbox({
        endpoint: `http://127.0.0.1:${port}`,
        credential: fakeEntraCredential(),
        requestTimeoutMs: 300,
      });
      await expect(sandbox.run(hello)).rejects.toMatchObject({ name: 'TimeoutError' });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
