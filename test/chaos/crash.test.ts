// Crash suite: full runs killed with SIGKILL at seeded random moments and resumed until they complete.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bin, cliJson, deterministicDigest, root, seeded, type Artifact } from './support';

const large = process.env.CHAOS_SCALE === 'large';
const visions = large
  ? ['clinic-appointments', 'food-bank-donations', 'neighbourhood-tool-library', 'community-garden-plots']
  : ['clinic-appointments', 'food-bank-donations'];

/** Kill points: a progress line to wait for, then a seeded random delay up to maxDelayMs. */
const KILL_POINTS: Array<{ during: string; marker: string; maxDelayMs: number }> = [
  { during: 'phase 1 agents', marker: '▶ Vision to Architecture', maxDelayMs: 1500 },
  { during: 'phase 2 fan-out', marker: '▶ Architecture to Development', maxDelayMs: 3000 },
  { during: 'gate and event publishing', marker: 'quality gate passed', maxDelayMs: 200 },
  { during: 'phase 3 testing', marker: '▶ Development to Testing', maxDelayMs: 2000 },
  { during: 'phase 5 deployment', marker: '▶ Deployment to Production', maxDelayMs: 800 },
  { during: 'phase 6 optimization', marker: '▶ Production to Optimization', maxDelayMs: 800 },
];

const env = (home: string) => ({ ...process.env, FACTORY_HOME: home, FACTORY_KEEP_DEPLOYED: 'false' });

const json = (home: string, args: string[]) => cliJson(env(home), args);

/** Runs the CLI; kills it with SIGKILL `delayMs` after `marker` first appears on its stdout. */
function runUntilKilled(
  home: string,
  args: string[],
  kill?: { marker: string; delayMs: number },
): Promise<{ killed: boolean; code: number | null; stdout: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: env(home) });
    let stdout = '';
    let armed = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (kill && !armed && stdout.includes(kill.marker)) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), kill.delayMs);
      }
    });
    child.stderr.resume();
    child.on('exit', (code, signal) => done({ killed: signal === 'SIGKILL', code, stdout }));
  });
}

function manifest(home: string, runId: string): Artifact[] {
  return (json(home, ['artifacts', runId]).artifacts as Artifact[]).sort((a, b) =>
    a.path.localeCompare(b.path),
  );
}

// The run report's file name carries a content hash, so reports are compared by count.
const comparable = (artifacts: Artifact[]) => artifacts.filter((a) => !a.path.startsWith('report/'));

describe('crash: SIGKILL at random moments, resume, same result', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/local/cli/main.js')))
      throw new Error('run `npm run build` first (npm test does)');
  });

  const seed = Number(process.env.CHAOS_SEED ?? 20261125);
  const random = seeded(seed);
  let totalKills = 0;

  for (const vision of visions) {
    it(`${vision}: every kill resumed, run Completed, same artifacts, events once, no completed activity re-run`, async () => {
      const file = join(root, 'examples/visions', `${vision}.md`);
      const runId = `chaos-${vision}`;
      const referenceHome = mkdtempSync(join(tmpdir(), 'chaos-ref-'));
      const home = mkdtempSync(join(tmpdir(), 'chaos-'));
      // The uninterrupted reference run proceeds alongside the killed one.
      const reference = runUntilKilled(referenceHome, ['run', '--vision-file', file, '--run-id', runId]);

      const kills: string[] = [];
      let args = ['run', '--vision-file', file, '--run-id', runId];
      let finished = false;
      for (const point of KILL_POINTS) {
        const delayMs = Math.round(random() * point.maxDelayMs);
        const outcome = await runUntilKilled(home, args, { marker: point.marker, delayMs });
        args = ['resume'];
        if (outcome.killed) kills.push(`${point.during} (+${delayMs} ms)`);
        else {
          finished = true;
          break;
        }
      }
      if (!finished) {
        const last = await runUntilKilled(home, ['resume']);
        expect(last.killed).toBe(false);
      }
      totalKills += kills.length;
      console.log(`${vision} (seed ${seed}): killed ${kills.length} times: ${kills.join('; ')}`);
      expect(kills.length).toBeGreaterThanOrEqual(large ? 5 : 4);

      const status = json(home, ['status', runId]);
      expect(status.status).toBe('Completed');
      const ref = await reference;
      expect(ref.code).toBe(0);

      const expected = manifest(referenceHome, runId);
      const actual = manifest(home, runId);
      expect(comparable(actual).map((a) => a.path)).toEqual(comparable(expected).map((a) => a.path));
      expect(actual.filter((a) => a.path.startsWith('report/')).length).toBe(
        expected.filter((a) => a.path.startsWith('report/')).length,
      );
      expect(deterministicDigest(actual)).toEqual(deterministicDigest(expected));
      expect(deterministicDigest(actual).length).toBeGreaterThan(50);

      const events = json(home, ['events', runId]).events as Array<{ id: string; type: string }>;
      expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
      expect(events.filter((e) => e.type === 'factory.RunStarted')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'factory.RunCompleted')).toHaveLength(1);

      const trace = json(home, ['trace', runId]).activities as Array<{
        instanceId: string;
        taskId: number;
        outcome: string;
      }>;
      const perTask = new Map<string, string[]>();
      for (const a of trace) {
        const key = `${a.instanceId}#${a.taskId}`;
        perTask.set(key, [...(perTask.get(key) ?? []), a.outcome]);
      }
      let interrupted = 0;
      for (const [key, outcomes] of perTask) {
        // A completed execution is never followed by another; earlier ones were cut off by a kill (or failed).
        expect({ key, completed: outcomes.filter((o) => o === 'completed').length }).toEqual({
          key,
          completed: 1,
        });
        expect({
          key,
          earlier: outcomes.slice(0, -1).filter((o) => o !== 'interrupted' && o !== 'failed'),
        }).toEqual({
          key,
          earlier: [],
        });
        expect(outcomes[outcomes.length - 1]).toBe('completed');
        interrupted += outcomes.filter((o) => o === 'interrupted').length;
      }
      console.log(`${vision}: ${perTask.size} activity tasks, ${interrupted} interrupted executions re-run`);
    }, 900000);
  }

  afterAll(() => {
    if (totalKills > 0) console.log(`total kills: ${totalKills}`);
  });

  it('killed at least 10 times in total', () => {
    expect(totalKills).toBeGreaterThanOrEqual(10 * (large ? 2 : 1));
  });
});
