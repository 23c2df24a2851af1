import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/*
 * A change request as a person makes one: the sample product is built and deployed, people write data through
 * its API, then `factory change` adds an entity, a rule and an attribute. The next version is live over the same
 * data, the new rule holds, and what the change did not touch is byte for byte what the first run made.
 */

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin/factory.js');
const vision = join(root, 'examples/visions/neighbourhood-tool-library.md');
const home = mkdtempSync(join(tmpdir(), 'cli-change-'));
const member = '00000000-0000-4000-8000-000000000001';

interface Deployment {
  runId: string;
  version: string;
  status: string;
  web?: string;
  services: Array<{ service: string; url: string }>;
}

/** What the commands print with --json, as far as this test reads it. */
interface Printed {
  status?: string;
  deployment: Deployment;
  change?: unknown;
  token?: string;
  artifacts?: Artifact[];
  location?: string;
  report?: { file: string };
}

function factory(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args, '--json'], {
    cwd: root,
    env: { ...process.env, FACTORY_HOME: home, FACTORY_KEEP_DEPLOYED: 'true' },
    encoding: 'utf8',
    timeout: 300_000,
  });
  // A command that fails says why on stderr and prints nothing on stdout.
  if (result.status !== 0 && !result.stdout.trim())
    return { code: result.status, body: {} as Printed, stderr: result.stderr };
  let body: unknown;
  try {
    body = JSON.parse(result.stdout);
  } catch {
    throw new Error(
      `factory ${args[0]}: not JSON (exit ${result.status}): ${result.stdout}\n${result.stderr}`,
    );
  }
  return { code: result.status, body: body as Printed, stderr: result.stderr };
}

interface Artifact {
  path: string;
  sha256: string;
  kind: string;
}

/** The files of a context's service and database in a run, by path, with their sha256 (from the folder indexes). */
function contextFiles(runId: string, context: string): Record<string, string> {
  const { artifacts, location } = factory(['artifacts', runId]).body;
  const files: Record<string, string> = {};
  for (const folder of ['services', 'db']) {
    const index = artifacts!.find((a) =>
      new RegExp(
        `^iteration-1/architecture-to-development/attempt-\\d+/${folder}/${context}/\\.folder\\.json$`,
      ).test(a.path),
    );
    if (!index) throw new Error(`run ${runId} has no ${folder}/${context}`);
    const listed = JSON.parse(readFileSync(join(location!, index.path), 'utf8')) as {
      files: Array<{ path: string; sha256: string }>;
    };
    for (const file of listed.files) files[`${folder}/${context}/${file.path}`] = file.sha256;
  }
  return files;
}

async function api(url: string, token: string, init: { method?: string; body?: unknown } = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  return { status: response.status, body: (await response.json()) as { id?: string; items?: unknown[] } };
}

const serviceUrl = (printed: Printed, service: string): string =>
  printed.deployment.services.find((s) => s.service === service)!.url;

afterAll(() => {
  spawnSync(process.execPath, [bin, 'undeploy', 'first'], { env: { ...process.env, FACTORY_HOME: home } });
  rmSync(home, { recursive: true, force: true });
});

describe('factory change', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/local/cli/main.js')))
      throw new Error('run `npm run build` first (npm test does)');
  });

  it('deploys the next version over the running product, keeping its data and what the change did not touch', async () => {
    const first = factory(['run', '--vision-file', vision, '--run-id', 'first']);
    expect(first.body).toMatchObject({
      status: 'Completed',
      deployment: { version: '1.0.0', status: 'live' },
    });
    const token = factory(['token', 'first', '--subject', 'alice']).body.token!;
    const tools = serviceUrl(first.body, 'tools');
    const drill = await api(`${tools}/v1/tools`, token, {
      method: 'POST',
      body: { name: 'Hammer drill', condition: 'good', replacementValue: '120.00', memberId: member },
    });
    expect(drill.status).toBe(201);

    // Refused before anything starts: a run that is not there, a request with unreadable terms.
    const request = join(home, 'change.md');
    writeFileSync(request, 'A change.');
    const unknown = factory(['change', 'nope', '--request-file', request]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('run nope not found');
    writeFileSync(request, '---\nallowDataLoss: maybe\n---\nA change.');
    const badTerms = factory(['change', 'first', '--request-file', request]);
    expect(badTerms.code).toBe(1);
    expect(badTerms.stderr).toContain("the change request's front matter: allowDataLoss");

    writeFileSync(
      request,
      [
        '## Waiting list',
        '',
        'Members join the waiting list of a tool that is on loan. Each waiting list entry has a position and',
        'belongs to a member and a tool. Each tool has a serial number.',
        '',
        '- A member may hold at most 3 waiting list entries at the same time.',
        '',
      ].join('\n'),
    );
    const second = factory(['change', 'first', '--request-file', request, '--run-id', 'second']);
    expect(second.code).toBe(0);
    expect(second.body).toMatchObject({
      runId: 'second',
      status: 'Completed',
      // The product's deployment, now at the next release; the web app keeps its address.
      deployment: { runId: 'first', version: '1.1.0', status: 'live', web: first.body.deployment.web! },
    });
    expect(factory(['status', 'second']).body.change).toEqual({
      of: 'first',
      product: 'first',
      after: '1.0.0',
      number: 1,
      removals: [],
    });

    // The data written under 1.0.0 is there, and 1.1.0's new attribute and entity work on it.
    const toolsNow = serviceUrl(second.body, 'tools');
    const listed = await api(`${toolsNow}/v1/tools`, token);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: drill.body.id, name: 'Hammer drill' })]);
    // The change run's id names the product as well as its first run's.
    const byChange = factory(['token', 'second', '--subject', 'bob']).body.token!;
    expect((await api(`${toolsNow}/v1/tools`, byChange)).body.items).toEqual(listed.body.items);
    const saw = await api(`${toolsNow}/v1/tools`, token, {
      method: 'POST',
      body: { name: 'Saw', condition: 'good', replacementValue: '20.00', serialNumber: 77, memberId: member },
    });
    expect(saw).toMatchObject({ status: 201, body: { serialNumber: 77 } });
    for (const position of [1, 2, 3]) {
      const entry = await api(`${toolsNow}/v1/waiting-list-entries`, token, {
        method: 'POST',
        body: { name: `wait ${position}`, position, memberId: member, toolId: drill.body.id },
      });
      expect(entry.status).toBe(201);
    }
    // The change's rule holds.
    const fourth = await api(`${toolsNow}/v1/waiting-list-entries`, token, {
      method: 'POST',
      body: { name: 'wait 4', position: 4, memberId: member, toolId: drill.body.id },
    });
    expect(fourth).toMatchObject({ status: 409, body: { rule: 'waiting-list-entry-rule-1' } });

    // One migration moves the tools database; the contexts the change did not touch are what the first run made.
    const toolsFiles = contextFiles('second', 'tools');
    expect(Object.keys(toolsFiles).filter((path) => path.startsWith('db/tools/0'))).toEqual([
      'db/tools/001_create_tools.sql',
      'db/tools/002_create_reservations.sql',
      'db/tools/003_create_disputes.sql',
      'db/tools/004_create_loans.sql',
      'db/tools/005_create_outbox.sql',
      'db/tools/006_release_1_1_0.sql',
    ]);
    for (const context of ['member-directory', 'ratings']) {
      const before = contextFiles('first', context);
      expect(Object.keys(before).length).toBeGreaterThan(10);
      expect(contextFiles('second', context)).toEqual(before);
    }
    // The pull request says what changed since 1.0.0, and nothing about the contexts the change did not touch.
    const { artifacts, location } = factory(['artifacts', 'second']).body;
    const pr = artifacts!.find((a) => a.path.endsWith('/pull-request/pull-request.md'))!;
    const description = readFileSync(join(location!, pr.path), 'utf8');
    const since = description.slice(description.indexOf('## Changes since release 1.0.0'));
    expect(since).toContain('### Entities added\n\n- WaitingListEntry\n');
    expect(since).toContain('- Tool.serialNumber added');
    expect(since).toContain('- waiting-list-entry-rule-1: A member may hold at most 3 waiting list entries');
    expect(since).toContain('- tools: POST /v1/waiting-list-entries added');
    expect(since).toContain('- adds the optional column tools.serial\\_number');
    expect(since).not.toMatch(/member-directory:|ratings:/);
    // On a branch from the release it follows: the commits and files of the change only.
    const record = JSON.parse(readFileSync(join(location!, pr.path.replace(/\.md$/, '.json')), 'utf8')) as {
      targetBranch: string;
      files: Array<{ path: string }>;
      commits: Array<{ stream: string; changed: boolean }>;
    };
    expect(record.targetBranch).toBe('factory/first');
    const paths = record.files.map((f) => f.path);
    expect(paths).toContain('db/tools/006_release_1_1_0.sql');
    expect(paths.filter((p) => /^(services|db)\/(member-directory|ratings)\//.test(p))).toEqual([]);
    expect(record.commits.filter((c) => c.changed).map((c) => c.stream)).toEqual(
      expect.arrayContaining(['backend', 'database']),
    );
    // The user stories the change brings, known by their text.
    expect(since).toMatch(/### User stories added\n\n(- US-\d+: .*\n)*- US-\d+: .*waiting list entr/i);
    expect(since).not.toContain('### User stories removed');
    // The run report shows the same changes.
    const report = readFileSync(second.body.report!.file, 'utf8');
    const section = report.slice(report.indexOf('<section id="changes">'));
    expect(section).toContain('Changes since release 1.0.0');
    expect(section).toContain('WaitingListEntry');
    expect(section).toContain('POST /v1/waiting-list-entries added');
    expect(contextFiles('second', 'tools')['services/tools/package.json']).not.toBe(
      contextFiles('first', 'tools')['services/tools/package.json'],
    );
  }, 600_000);
});
