import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadFeedback,
  parseFeedback,
  storeFeedback,
} from '../../../agents/blueprint/operations/feedbackInbox';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import {
  describeDeployment,
  liveDeployment,
  feedbackCommand,
  readCurrentDeployment,
  tokenCommand,
  undeployCommand,
} from '../../../local/cli/commands/deployments';
import { UsageError } from '../../../local/cli/args';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { writeTarGz } from '../../../platform/deployment/tarball';

const service = `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
const server = createServer((_req, res) => res.end('{}'));
server.listen(0, '127.0.0.1', () => process.stdout.write('svc listening on port ' + (server.address() as AddressInfo).port + '\\n'));
`;

describe('feedback inbox', () => {
  const home = mkdtempSync(join(tmpdir(), 'factory-feedback-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('accepts a JSON array, an entries object, JSON Lines and plain lines', () => {
    expect(parseFeedback('[{"text":"slow","rating":2}]')).toEqual([{ text: 'slow', rating: 2 }]);
    expect(parseFeedback('{"entries":[{"text":"ok"}]}')).toEqual([{ text: 'ok' }]);
    expect(parseFeedback('{"text":"a"}\n{"text":"b","user":"kim"}\n')).toEqual([
      { text: 'a' },
      { text: 'b', user: 'kim' },
    ]);
    expect(parseFeedback('first thought\n\n  second thought  ')).toEqual([
      { text: 'first thought' },
      { text: 'second thought' },
    ]);
  });

  it('names the entry that is wrong', () => {
    expect(() => parseFeedback('[{"text":"x","rating":9}]', 'f.json')).toThrow(
      'f.json entry 1: rating Too big',
    );
    expect(() => parseFeedback('{"text":"a"}\n{oops', 'f.jsonl')).toThrow(/f.jsonl line 2 is not valid JSON/);
    expect(() => parseFeedback('   ', 'empty.txt')).toThrow('empty.txt is empty');
    expect(() => parseFeedback('[{"rating":3}]')).toThrow(/entry 1: text/);
  });

  it('stores the same feedback once and loads everything stored for a run', async () => {
    const store = new FilesystemArtifactStore(join(home, 'artifacts'));
    const entries = parseFeedback('[{"text":"love it","rating":5}]');
    const first = await storeFeedback(store, 'local', 'run-1', entries, new Date('2026-01-02T00:00:00Z'));
    const again = await storeFeedback(store, 'local', 'run-1', entries, new Date('2026-01-03T00:00:00Z'));
    expect(again).toEqual({ ...first, duplicate: true });
    await storeFeedback(store, 'local', 'run-1', parseFeedback('too slow'), new Date('2026-01-01T00:00:00Z'));
    // In the order the deliveries arrived, whatever their names.
    expect(await loadFeedback(store, 'local', 'run-1')).toEqual([
      { text: 'too slow' },
      { text: 'love it', rating: 5 },
    ]);
    const stored = (await store.list('local', 'run-1')).filter((a) => a.path.startsWith('feedback/'));
    expect(stored.map((a) => a.kind)).toEqual(['feedback', 'feedback']);
    await expect(storeFeedback(store, '../x', 'run-1', entries)).rejects.toThrow();
  });

  it('refuses a feedback command without a file before touching the run', async () => {
    await expect(feedbackCommand(['run-1'])).rejects.toThrow('--file F is required');
    await expect(feedbackCommand(['run-1', '--file', join(home, 'missing.json')])).rejects.toThrow(
      'no such file',
    );
    const bad = join(home, 'bad.json');
    writeFileSync(bad, '[{"text":""}]');
    await expect(feedbackCommand(['run-1', '--file', bad])).rejects.toThrow(/entry 1: text/);
  });
});

describe('factory undeploy', () => {
  const home = mkdtempSync(join(tmpdir(), 'factory-undeploy-'));
  const saved = { home: process.env.FACTORY_HOME, tenant: process.env.FACTORY_TENANT };
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  beforeAll(() => {
    process.env.FACTORY_HOME = home;
    process.env.FACTORY_TENANT = 'local';
  });
  afterAll(async () => {
    await target.undeploy('local', 'run-cli');
    for (const [key, value] of [
      ['FACTORY_HOME', saved.home],
      ['FACTORY_TENANT', saved.tenant],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('stops a run deployment that factory status showed as live', async () => {
    const archive = writeTarGz([
      { path: 'services/svc/package.json', content: Buffer.from('{}') },
      { path: 'services/svc/src/main.ts', content: Buffer.from(service) },
    ]);
    const outcome = await target.deploy({
      tenantId: 'local',
      runId: 'run-cli',
      version: '1.0.0',
      archive,
      services: ['svc'],
      smoke: [],
      roles: [{ value: 'Coordinator', description: 'rule svc-rule-1' }],
    });
    expect(outcome.status).toBe('deployed');
    const lines = describeDeployment(readCurrentDeployment(home, 'local', 'run-cli'));
    // The hint names the roles the product's rules ask for.
    expect(lines).toEqual([
      'deployment: 1.0.0 live (local-blue-green)',
      `  svc: ${outcome.services[0].url}`,
      '  (a bearer token for it: factory token run-cli --subject <you> [--role Coordinator])',
    ]);
    // What `factory run` and `factory status` print and return: the deployment target's own view.
    expect(describeDeployment(await liveDeployment(home, 'local', 'run-cli'))).toEqual(lines);
    expect(await liveDeployment(home, 'local', 'run-other')).toBeUndefined();

    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      // A token the deployment's services accept: signed by its issuer, for the subject and roles asked for.
      expect(await tokenCommand(['run-cli', '--subject', 'ada', '--role', 'librarian', '--json'])).toBe(0);
      const issued = JSON.parse(String(write.mock.calls[0][0])) as { token: string; expiresAt: string };
      const issuer = JSON.parse(
        readFileSync(join(home, 'deployments/local/run-cli/issuer/signing-key.json'), 'utf8'),
      ) as { issuer: string; audience: string; publicJwk: JWK };
      const { payload } = await jwtVerify(issued.token, await importJWK(issuer.publicJwk, 'ES256'), {
        issuer: issuer.issuer,
        audience: issuer.audience,
      });
      expect(payload).toMatchObject({ sub: 'ada', roles: ['librarian'] });
      expect(payload.exp! - payload.iat!).toBe(8 * 3600);
      for (const args of [
        ['run-cli'],
        ['run-cli', '--subject', 'a b'],
        ['run-cli', '--subject', 'ada', '--role', '<script>'],
        ['run-cli', '--subject', 'ada', '--hours', '169'],
        ['../run', '--subject', 'ada'],
      ])
        await expect(tokenCommand(args)).rejects.toThrow(UsageError);
      await expect(tokenCommand(['run-other', '--subject', 'ada'])).rejects.toThrow(/has no deployment/);
      write.mockClear();
      expect(await undeployCommand(['run-cli', '--json'])).toBe(0);
      expect(JSON.parse(String(write.mock.calls[0][0]))).toEqual({
        runId: 'run-cli',
        // The run is its own product (a change run would name the product's first run here).
        product: 'run-cli',
        stopped: 1,
        versions: ['1.0.0'],
      });
    } finally {
      write.mockRestore();
    }
    expect(describeDeployment(readCurrentDeployment(home, 'local', 'run-cli'))).toEqual([
      'deployment: 1.0.0 stopped',
    ]);
    await expect(
      fetch(`${outcome.services[0].url}/`, { signal: AbortSignal.timeout(1000) }),
    ).rejects.toThrow();
    await expect(undeployCommand(['run-none'])).rejects.toThrow(/run run-none has no deployment/);
  }, 30_000);
});
