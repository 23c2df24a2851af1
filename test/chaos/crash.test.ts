// Crash suite: full runs killed with SIGKILL at seeded random moments and resumed until they complete.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { bin, cliJson, deterministicDigest, root, seeded, type Artifact } from './support';

const large = process.env.CHAOS_SCALE === 'large';
const visions = large
  ? ['clinic-appointments', 'food-bank-donations', 'neighbourhood-tool-library', 'community-garden-plots']
  : ['clinic-appointments', 'food-bank-donations'];

/**
 * Kill points, placed by the work done rather than by time, so a seed kills at the same places on a fast or a
 * loaded machine: after a progress line, the seeded k-th activity execution (of the named functions) that starts
 * is interrupted, or, for the last point, the moment the orchestration has ended, before the CLI has written
 * anything of its own.
 */
type KillPoint =
  { during: string; marker: string; maxStarts: number; functions?: RegExp } | { during: string; ended: true };
const KILL_POINTS: KillPoint[] = [
  { during: 'phase 1 agents', marker: '▶ Vision to Architecture', maxStarts: 10 },
  { during: 'phase 2 fan-out', marker: '▶ Architecture to Development', maxStarts: 10 },
  {
    during: 'gate and event publishing',
    marker: 'quality gate passed',
    maxStarts: 3,
    functions: /^(evaluateGate|publishEvent|sealPhase)$/,
  },
  { during: 'phase 3 testing', marker: '▶ Development to Testing', maxStarts: 8 },
  { during: 'phase 5 deployment', marker: '▶ Deployment to Production', maxStarts: 6 },
  { during: 'phase 6 optimization', marker: '▶ Production to Optimization', maxStarts: 6 },
  { during: 'the end of the run', ended: true },
];

type Trigger = { marker: string; starts: number; functions?: RegExp } | { ended: true };

const env = (home: string) => ({ ...process.env, FACTORY_HOME: home, FACTORY_KEEP_DEPLOYED: 'false' });

const json = (home: string, args: string[]) => cliJson(env(home), args);

/** Reads the embedded host's durable store while the CLI writes it (WAL: readers never block the writer). */
function durableStore(home: string): Database.Database | undefined {
  const file = join(home, 'durable.db');
  return existsSync(file) ? new Database(file, { readonly: true, fileMustExist: true }) : undefined;
}

const maxExecutionId = (db: Database.Database) =>
  (db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM executions').get() as { id: number }).id;

/**
 * Runs the CLI and SIGKILLs it at the trigger: polls the durable store every few milliseconds for activity
 * executions that started after the marker appeared, or for the end of the run's orchestration. Says what was
 * in flight when it killed.
 */
function runUntilKilled(
  home: string,
  args: string[],
  runId: string,
  trigger?: Trigger,
): Promise<{ killed: boolean; code: number | null; inFlight: string[] }> {
  // Executions started before this process are not its own: cut off by an earlier kill, or finished.
  const before = durableStore(home);
  const baseline = before ? maxExecutionId(before) : 0;
  before?.close();
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: env(home) });
    let stdout = '';
    let db: Database.Database | undefined;
    let after: number | undefined;
    let inFlight: string[] = [];
    let poll: NodeJS.Timeout | undefined;
    const kill = () => {
      if (db) {
        inFlight = (
          db
            .prepare('SELECT instance_id, function_name FROM executions WHERE ended_at IS NULL AND id > ?')

            .all(baseline) as Array<{ instance_id: string; function_name: string }>
        ).map((e) => `${e.function_name}@${e.instance_id.split(':')[1] ?? 'run'}`);
      }
      child.kill('SIGKILL');
      clearInterval(poll);
    };
    const check = () => {
      db ??= durableStore(home);
      if (!db || !trigger) return;
      if ('ended' in trigger) {
        const row = db.prepare('SELECT status FROM instances WHERE instance_id = ?').get(runId) as
          { status: string } | undefined;
        if (row && ['Completed', 'Failed', 'Terminated'].includes(row.status)) kill();
        return;
      }
      if (!stdout.includes(trigger.marker)) return;
      after ??= maxExecutionId(db);
      const started = (
        db.prepare('SELECT function_name FROM executions WHERE id > ? ORDER BY id').all(after) as Array<{
          function_name: string;
        }>
      ).filter((e) => !trigger.functions || trigger.functions.test(e.function_name));
      if (started.length >= trigger.starts) kill();
    };
    if (trigger) poll = setInterval(check, 5);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.resume();
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      db?.close();
      done({ killed: signal === 'SIGKILL', code, inFlight });
    });
  });
}

function manifest(home: string, runId: string): Artifact[] {
  return (json(home, ['artifacts', runId]).artifacts as Artifact[]).sort((a, b) =>
    a.path.localeCompare(b.path),
  );
}

// The run report's file name carries a content hash (its timeline has the timings), so reports are counted.
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
      const reference = runUntilKilled(
        referenceHome,
        ['run', '--vision-file', file, '--run-id', runId],
        runId,
      );

      const kills: string[] = [];
      let args = ['run', '--vision-file', file, '--run-id', runId];
      let finished = false;
      for (const point of KILL_POINTS) {
        const trigger: Trigger =
          'ended' in point
            ? point
            : {
                marker: point.marker,
                functions: point.functions,
                starts: 1 + Math.floor(random() * point.maxStarts),
              };
        const outcome = await runUntilKilled(home, args, runId, trigger);
        args = ['resume'];
        if (outcome.killed)
          kills.push(
            `${point.during} (${'starts' in trigger ? `start ${trigger.starts}` : 'ended'}; in flight: ${outcome.inFlight.join(', ') || 'none'})`,
          );
        else {
          finished = true;
          break;
        }
      }
      if (!finished) {
        const last = await runUntilKilled(home, ['resume'], runId);
        expect(last.killed).toBe(false);
      }
      totalKills += kills.length;
      console.log(`${vision} (seed ${seed}): killed ${kills.length} times:\n  ${kills.join('\n  ')}`);
      expect(kills.length).toBeGreaterThanOrEqual(large ? 6 : 5);

      const status = json(home, ['status', runId]);
      expect(status.status).toBe('Completed');
      const ref = await reference;
      expect(ref.code).toBe(0);

      const expected = manifest(referenceHome, runId);
      const actual = manifest(home, runId);
      expect(comparable(actual).map((a) => a.path)).toEqual(comparable(expected).map((a) => a.path));
      // The workflow stores the one report of a run, whatever moment the process died at.
      expect(actual.filter((a) => a.kind === 'run-report')).toHaveLength(1);
      expect(expected.filter((a) => a.kind === 'run-report')).toHaveLength(1);
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
