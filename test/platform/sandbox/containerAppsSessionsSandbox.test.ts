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
    const sandbox = new ContainerAppsSessionsSandbox({
      endpoint: pool.endpoint,
      credential: fakeEntraCredential(),
      graceMs: 1,
    });
    // The session's own limit is later than the adapter's wait: the adapter gives up first.
    const result = await sandbox.run({
      files: [{ path: 'slow.js', content: 'setTimeout(() => {}, 5000)' }],
      command: [process.execPath, 'slow.js'],
      ...limits,
      timeoutMs: 500,
    });
    expect(result).toMatchObject({ timedOut: true, exitCode: null });
  });
});
