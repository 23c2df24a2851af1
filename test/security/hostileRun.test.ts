// Security suite (npm run test:security): a whole run whose generated tests were written by an attacker.
import { randomBytes } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentCatalog } from '../../agents/catalog';
import '../../functions';
import { serve, type Serving } from '../../local/cli/commands/serve';
import { sandboxIsolation } from '../../platform/sandbox';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';
import { FakeAzureOpenAi } from '../support/fakeAzureOpenAi';
import { answerFrom, fakeEnv, recordBlueprintAnswers } from '../agents/azureOpenAi/support';
import { hostileVisionText } from '../agents/escaping/hostileVisionText';
import { attackNames, attackSource, type AttackTargets } from './attackSource';

/** An example vision, and one whose title, descriptions and rules carry the hostile-string corpus. */
const visions: Array<[string, string]> = [
  [
    'food-bank-donations',
    readFileSync(join(__dirname, '../../examples/visions/food-bank-donations.md'), 'utf8'),
  ],
  ['hostile-text', hostileVisionText],
];
const runId = 'hostile-run';

/** Every file under `dir`, except `skip`. */
function filesUnder(dir: string, skip: Set<string>): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (skip.has(path)) continue;
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isDirectory()) found.push(...filesUnder(path, skip));
    else if (stat?.isFile()) found.push(path);
  }
  return found;
}

/** Host processes whose command line contains `marker`. */
function hostProcessesWith(marker: string): string[] {
  return readdirSync('/proc').filter((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  });
}

describe.each(visions)('a run of %s whose generated tests attack the factory', (_name, vision) => {
  // The npm script puts the canary in the factory process's own environment, where /proc shows it.
  const canary = process.env.FACTORY_CANARY_SECRET ?? '';
  const marker = randomBytes(8).toString('hex');
  let fake: FakeAzureOpenAi;
  let test: TestFactory;
  let listener: Server;
  let api: Serving;
  let received = '';
  let connections = 0;
  let targets: AttackTargets;
  const planted: string[] = [];
  const saved = { ...process.env };

  beforeAll(async () => {
    if (!/^canary-[A-Za-z0-9-]{12,}$/.test(canary))
      throw new Error('run with FACTORY_CANARY_SECRET=canary-<random> (npm run test:security does)');
    listener = createServer((socket) => {
      connections++;
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    });
    await new Promise<void>((done) => listener.listen(0, '127.0.0.1', done));

    // The blueprint's answers for this vision, computed once; the Test Generator's get the attacker's file.
    const outputs = await recordBlueprintAnswers(agentCatalog, vision, {
      runId,
      home: mkdtempSync(join(tmpdir(), 'factory-answers-')),
    });
    test = await startTestFactory();
    // The factory's HTTP API, as `factory serve` runs it, on the same host.
    api = await serve(
      { factory: test.factory, ports: test.ports, tenantId: 'test', home: test.home, close: async () => {} },
      0,
    );
    const durableApi = new URL(String(test.factory.clientBindingData().rpcBaseUrl));
    targets = {
      factoryHome: test.home,
      otherTenantFile: join(test.home, 'artifacts', 'other-tenant', 'their-run', 'secret.txt'),
      listenerPort: (listener.address() as { port: number }).port,
      durableApiPort: Number(durableApi.port),
      factoryApiPort: Number(new URL(api.url).port),
      // Named by another random id: the attacker's file (an artifact) holds these, and must not hold the canary.
      exfilFile: join(tmpdir(), `exfil-${marker}`),
      survivorMarker: `survivor-${marker}`,
    };
    const tests = outputs.get('testGenerator') as { services: Array<{ files: unknown[] }> };
    for (const service of tests.services)
      service.files.push({ path: 'test/contract/zz-attack.test.ts', content: attackSource(targets) });

    fake = await FakeAzureOpenAi.start(answerFrom(outputs));
    Object.assign(process.env, fakeEnv(fake));
    // The products these runs deploy are stopped when the runs end.
    process.env.FACTORY_KEEP_DEPLOYED = 'false';
    process.env.FACTORY_HOME = test.home;
    for (const [path, content] of [
      [join(test.home, 'canary-secret'), canary],
      [targets.otherTenantFile, `another tenant's data ${canary}`],
    ]) {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, content);
      planted.push(path);
    }
  }, 300_000);

  afterAll(async () => {
    await api?.close();
    await test?.close();
    await fake?.close();
    await new Promise((done) => listener?.close(done));
    process.env = saved;
  });

  it('runs every attack in the sandbox and none gets anything out', async () => {
    await test.start(vision, { model: 'azure-openai' }, runId);
    const status = await test.waitFor(
      runId,
      (s) => ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(s),
      600_000,
    );
    const doc = (await test.ports.runs.get('test', runId))!;
    // The run completes, or ends at a gate with a finding; it never crashes.
    expect(status === 'Completed' || doc.failure?.reason === 'gate-failed').toBe(true);

    // Every attack ran: its test case is in the results of every service.
    const results = filesUnder(join(test.home, 'artifacts'), new Set(planted)).filter((f) =>
      /testing\/results\/[^/]+\.json$/.test(f),
    );
    expect(results.length).toBeGreaterThan(0);
    let attempts = 0;
    let succeeded = 0;
    for (const file of results) {
      const cases = (
        JSON.parse(readFileSync(file, 'utf8')) as { cases: Array<{ name: string; status: string }> }
      ).cases;
      for (const name of attackNames) {
        const ran = cases.filter((c) => c.name === `attack: ${name}`);
        expect({ file, name, ran: ran.length }).toEqual({ file, name, ran: 1 });
        attempts++;
        if (ran[0].status !== 'pass') succeeded++;
      }
    }

    // And nothing got out, whatever the tests say: the canary is nowhere the factory wrote, nothing reached the
    // listener or the host's files, and no process outlived its execution.
    const leaks = filesUnder(test.home, new Set(planted)).filter((f) => readFileSync(f).includes(canary));
    expect(leaks).toEqual([]);
    expect({ connections, received }).toEqual({ connections: 0, received: '' });
    expect(existsSync(targets.exfilFile)).toBe(false);
    expect(existsSync(`${targets.exfilFile}.written`)).toBe(false);
    expect(existsSync(join(test.home, 'planted'))).toBe(false);
    expect(hostProcessesWith(targets.survivorMarker)).toEqual([]);
    expect(succeeded).toBe(0);
    console.log(
      `run ${status}${doc.failure ? ` (${doc.failure.reason})` : ''}: ${attempts} attack attempts in ${results.length} services' test runs (each also run again for coverage), ${succeeded} succeeded; generated code: ${sandboxIsolation(test.composition.agents.sandbox)}`,
    );
  }, 900_000);
});
