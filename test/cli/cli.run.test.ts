import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const bin = join(root, 'bin/factory.js');
const vision = join(root, 'examples/visions/food-bank-donations.md');

function factory(home: string, args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, FACTORY_HOME: home },
    encoding: 'utf8',
    timeout: 300000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function json(home: string, args: string[]) {
  const result = factory(home, [...args, '--json']);
  try {
    return { ...result, body: JSON.parse(result.stdout) };
  } catch {
    throw new Error(
      `not one JSON document on stdout (exit ${result.code}): ${result.stdout}\n${result.stderr}`,
    );
  }
}

async function until<T>(probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('the factory CLI', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/local/cli/main.js')))
      throw new Error('run `npm run build` first (npm test does)');
  });

  it('rejects bad usage with a message and exit code 2, and unknown runs with exit code 1', () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    expect(factory(home, []).code).toBe(2);
    const noVision = factory(home, ['run']);
    expect(noVision.code).toBe(2);
    expect(noVision.stderr).toContain('give exactly one of --vision-file FILE or --vision TEXT');
    const missing = factory(home, ['run', '--vision-file', join(home, 'nope.md')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('cannot read the vision file');
    expect(factory(home, ['run', '--vision', 'x', '--iterations', 'many']).stderr).toContain(
      '--iterations must be a positive whole number',
    );
    expect(factory(home, ['run', '--vision', 'x', '--approvals', 'nonsense']).stderr).toContain(
      'invalid run options',
    );
    expect(factory(home, ['frobnicate']).code).toBe(2);
    const unknown = factory(home, ['status', 'run-nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('run run-nope not found');
    expect(json(home, ['list']).body).toEqual({ runs: [] });
  });

  it('refuses to start a run whose generated code could not be confined as the settings ask', () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    const result = spawnSync(process.execPath, [bin, 'run', '--vision-file', vision], {
      cwd: root,
      env: { ...process.env, FACTORY_HOME: home, FACTORY_SANDBOX: 'container' },
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("FACTORY_SANDBOX must be namespaces or process, not 'container'");
    expect(existsSync(join(home, 'state.db'))).toBe(false);
  });

  it('waits for a manual approval that another process gives, and stops at the budget', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    let stdout = '';
    const run: ChildProcess = spawn(
      process.execPath,
      [
        bin,
        'run',
        '--vision-file',
        vision,
        '--approve',
        'manual',
        '--max-agent-calls',
        '10',
        '--run-id',
        'cli-approval',
        '--json',
      ],
      {
        cwd: root,
        env: { ...process.env, FACTORY_HOME: home },
      },
    );
    run.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number>((done) => run.on('exit', (code) => done(code ?? -1)));
    try {
      await until(() => {
        const status = factory(home, ['status', 'cli-approval', '--json']);
        return status.code === 0 && JSON.parse(status.stdout).status === 'WaitingForApproval'
          ? true
          : undefined;
      }, 240000);
      const human = factory(home, ['status', 'cli-approval']);
      expect(human.stdout).toContain(
        "waiting for approval of 'architecture': factory approve cli-approval architecture",
      );
      const approved = factory(home, ['approve', 'cli-approval', 'architecture']);
      expect(approved.code).toBe(0);
      expect(factory(home, ['approve', 'cli-approval', 'architecture']).stderr).toContain('not waiting');
      expect(await exited).toBe(1);
    } finally {
      run.kill('SIGKILL');
    }
    const summary = JSON.parse(stdout);
    expect(summary).toMatchObject({
      runId: 'cli-approval',
      status: 'Failed',
      failure: { reason: 'budget-exceeded' },
    });
    expect(summary.phases[0]).toMatchObject({ phase: 'vision-to-architecture', status: 'Completed' });
    const events = json(home, ['events', 'cli-approval']).body.events.map((e: { type: string }) => e.type);
    expect(events).toEqual(
      expect.arrayContaining(['factory.ApprovalRequested', 'factory.ApprovalGranted', 'factory.RunFailed']),
    );
  }, 300000);

  it('resumes a run killed with SIGKILL; completed activities never run again and every event is sent once', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cli-'));
    const args = [
      'run',
      '--vision-file',
      vision,
      '--max-agent-calls',
      '9',
      '--run-id',
      'cli-crash',
      '--json',
    ];
    for (const killAfter of [1500, 3000]) {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: root,
        env: { ...process.env, FACTORY_HOME: home },
        stdio: 'ignore',
      });
      const exited = new Promise((done) => child.on('exit', done));
      // Kill only once the run exists, so there is something to resume, then after a while into its work.
      await until(
        () => (factory(home, ['status', 'cli-crash', '--json']).code === 0 ? true : undefined),
        120000,
      );
      await new Promise((r) => setTimeout(r, killAfter));
      child.kill('SIGKILL');
      await exited;
      args.splice(0, args.length, 'resume', '--json');
    }
    const resumed = json(home, ['resume']);
    const summaries = resumed.body.resumed as Array<{
      runId: string;
      status: string;
      failure?: { reason: string };
    }>;
    const final = summaries.length ? summaries[0] : json(home, ['status', 'cli-crash']).body;
    expect(final).toMatchObject({
      runId: 'cli-crash',
      status: 'Failed',
      failure: { reason: 'budget-exceeded' },
    });

    const trace = json(home, ['trace', 'cli-crash']).body.activities as Array<{
      instanceId: string;
      taskId: number;
      outcome: string;
    }>;
    const perTask = new Map<string, string[]>();
    for (const a of trace)
      perTask.set(`${a.instanceId}#${a.taskId}`, [
        ...(perTask.get(`${a.instanceId}#${a.taskId}`) ?? []),
        a.outcome,
      ]);
    for (const outcomes of perTask.values()) {
      expect(outcomes.filter((o) => o === 'completed').length).toBeLessThanOrEqual(1);
      expect(outcomes.slice(0, -1).every((o) => o === 'interrupted' || o === 'failed')).toBe(true);
    }
    const events = json(home, ['events', 'cli-crash']).body.events as Array<{ id: string; type: string }>;
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.filter((e) => e.type === 'factory.RunStarted')).toHaveLength(1);
  }, 300000);
});
