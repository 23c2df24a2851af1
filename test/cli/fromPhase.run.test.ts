import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * A run on an architecture a person wrote, as a person starts one: `factory run --from-phase
 * architecture-to-development --artifacts DIR` on the example folder (a domain model with a typed rule, one
 * OpenAPI document) builds, tests and deploys the product without Vision to Architecture, and the rule the person
 * wrote holds in the deployed product. A folder that does not pass the phase-1 gate's checks is refused with each
 * problem named.
 */

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin/factory.js');
const example = join(root, 'examples/architecture/bike-workshop');
const home = mkdtempSync(join(tmpdir(), 'cli-from-phase-'));

interface Printed {
  status?: string;
  phases?: Array<{ phase: string; status: string }>;
  deployment?: { status: string; services: Array<{ service: string; url: string }> };
  token?: string;
  fromPhase?: string;
}

function factory(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, FACTORY_HOME: home, FACTORY_KEEP_DEPLOYED: 'true' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  let body: Printed = {};
  if (args.includes('--json') && result.stdout.trim()) body = JSON.parse(result.stdout) as Printed;
  return { code: result.status, body, stderr: result.stderr };
}

async function api(url: string, token: string, body?: unknown) {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

afterAll(() => {
  spawnSync(process.execPath, [bin, 'undeploy', 'workshop'], { env: { ...process.env, FACTORY_HOME: home } });
  rmSync(home, { recursive: true, force: true });
});

describe('factory run --from-phase', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/local/cli/main.js')))
      throw new Error('run `npm run build` first (npm test does)');
  });

  it('refuses a folder that does not pass the checks, naming each problem, and starts nothing', () => {
    expect(factory(['run', '--from-phase', 'architecture-to-development']).code).toBe(2);
    const folder = join(home, 'broken');
    cpSync(example, folder, { recursive: true });
    const model = JSON.parse(readFileSync(join(folder, 'domain-model.json'), 'utf8')) as {
      contexts: Array<{ entities: Array<{ relations: unknown[] }> }>;
    };
    model.contexts[0].entities[0].relations.push({ kind: 'belongsTo', target: 'Shop', via: 'shopId' });
    writeFileSync(join(folder, 'domain-model.json'), JSON.stringify(model));
    writeFileSync(join(folder, 'notes.txt'), 'not an input');
    const refused = factory(['run', '--from-phase', 'architecture-to-development', '--artifacts', folder]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('the given artifacts cannot be read');
    expect(refused.stderr).toContain('artifacts/notes.txt: not an input of this phase');
    rmSync(join(folder, 'notes.txt'));
    const inconsistent = factory([
      'run',
      '--from-phase',
      'architecture-to-development',
      '--artifacts',
      folder,
    ]);
    expect(inconsistent.code).toBe(1);
    expect(inconsistent.stderr).toContain(
      'The domain model is consistent: Entity Bike (context Workshop) has a belongsTo relation to Shop, which no context has.',
    );
    expect(factory(['list', '--json']).body).toMatchObject({ runs: [] });
  }, 120_000);

  it("builds, tests and deploys the product of a person's domain model and OpenAPI, whose rules hold", async () => {
    const run = factory([
      'run',
      '--from-phase',
      'architecture-to-development',
      '--artifacts',
      example,
      '--run-id',
      'workshop',
      '--json',
    ]);
    expect(run.body).toMatchObject({ status: 'Completed', deployment: { status: 'live' } });
    // Vision to Architecture did not run: its outputs were given.
    expect(run.body.phases!.map((p) => [p.phase, p.status])).toEqual([
      ['vision-to-architecture', 'Skipped'],
      ['architecture-to-development', 'Completed'],
      ['development-to-testing', 'Completed'],
      ['testing-to-deployment', 'Completed'],
      ['deployment-to-production', 'Completed'],
      ['production-to-optimization', 'Completed'],
    ]);
    expect(factory(['status', 'workshop', '--json']).body.fromPhase).toBe('architecture-to-development');

    const token = factory(['token', 'workshop', '--subject', 'desk', '--json']).body.token!;
    const workshop = run.body.deployment!.services.find((s) => s.service === 'workshop')!.url;
    const bike = await api(`${workshop}/v1/bikes`, token, {
      frameNumber: 'WTU-2231',
      ownerName: 'Ada',
      ownerEmail: 'ada@example.org',
      kind: 'city',
    });
    expect(bike.status).toBe(201);
    const job = { bikeId: bike.body.id, problem: 'Brakes squeal', quote: '35.00', promisedOn: '2026-12-10' };
    expect((await api(`${workshop}/v1/repair-jobs`, token, job)).status).toBe(201);
    // The rule the person typed into the domain model: one open job per bike.
    expect(await api(`${workshop}/v1/repair-jobs`, token, job)).toMatchObject({
      status: 409,
      body: { rule: 'one-open-job-per-bike' },
    });
  }, 600_000);
});
