import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { registry } from '../../local/durableHost/functionsCore';
import { DurableHost } from '../../local/durableHost/durableHost';

const worker = resolve(__dirname, '../../dist/test/durableHost/crashWorker.js');

/** Lines in the journal so far: one per activity body that ran to its end. */
function journalLines(journal: string): number {
  return existsSync(journal) ? readFileSync(journal, 'utf8').split('\n').length - 1 : 0;
}

/**
 * Where a worker is killed: once `lines` more activity bodies have run, plus `delayMs` (activities take 40 ms, so a
 * delay lands inside the next one). Kill points follow progress, not the clock, so every point is reached however
 * slow or fast the machine is.
 */
interface KillPoint {
  lines: number;
  delayMs: number;
}

/** Runs the worker; kills it with SIGKILL at `kill` unless it finishes first. */
function runWorker(
  mode: 'start' | 'resume',
  db: string,
  journal: string,
  kill?: KillPoint,
): Promise<{ finished: boolean; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [worker, mode, db, journal], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const target = kill === undefined ? undefined : journalLines(journal) + kill.lines;
    let timer: NodeJS.Timeout | undefined;
    const watch =
      target === undefined
        ? undefined
        : setInterval(() => {
            if (journalLines(journal) < target) return;
            clearInterval(watch);
            timer = setTimeout(() => child.kill('SIGKILL'), kill!.delayMs);
          }, 2);
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      clearInterval(watch);
      clearTimeout(timer);
      if (signal === 'SIGKILL') return done({ finished: false, output });
      if (code !== 0) return fail(new Error(`worker exited with ${code}: ${stderr}`));
      done({ finished: true, output });
    });
  });
}

describe('a host process killed with SIGKILL at any moment', () => {
  beforeAll(() => {
    if (!existsSync(worker))
      throw new Error(`${worker} is missing: run \`npm run build\` first (npm test does)`);
  });

  it('loses nothing: resume finishes the run and no completed activity runs again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'crash-'));
    const db = join(dir, 'durable.db');
    const journal = join(dir, 'journal.txt');
    // Kill points spread over the sequence, the fan-out and the sub-orchestration, between activities (no delay)
    // and inside them. They add up to fewer lines than the run writes, so every one of them is reached.
    const kills: KillPoint[] = [
      { lines: 1, delayMs: 0 },
      { lines: 1, delayMs: 20 },
      { lines: 2, delayMs: 5 },
      { lines: 1, delayMs: 35 },
      { lines: 2, delayMs: 0 },
      { lines: 1, delayMs: 10 },
      { lines: 2, delayMs: 25 },
    ];
    let result = await runWorker('start', db, journal, kills[0]);
    let restarts = 0;
    for (const at of kills.slice(1)) {
      if (result.finished) break;
      restarts++;
      result = await runWorker('resume', db, journal, at);
    }
    while (!result.finished) {
      restarts++;
      result = await runWorker('resume', db, journal);
    }
    expect(restarts).toBeGreaterThanOrEqual(3);

    const status = JSON.parse(result.output.trim().split('\n').pop()!);
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual(['s1', 's2', 's3', 's4', 's5', 's6', 'f1', 'f2', 'f3', 'f4', 'c1', 'c2']);

    const host = new DurableHost({ registry, databaseFile: db });
    try {
      const trace = host.trace('crash-1');
      const byTask = new Map<string, typeof trace>();
      for (const entry of trace) {
        const key = `${entry.instanceId}#${entry.taskId}`;
        byTask.set(key, [...(byTask.get(key) ?? []), entry]);
      }
      expect(byTask.size).toBe(12);
      const journalCounts = new Map<string, number>();
      for (const line of readFileSync(journal, 'utf8').trim().split('\n'))
        journalCounts.set(line, (journalCounts.get(line) ?? 0) + 1);
      for (const executions of byTask.values()) {
        // Exactly one execution completed; every other one was cut off by a kill, never run after completion.
        expect(executions.filter((e) => e.outcome === 'completed')).toHaveLength(1);
        expect(executions[executions.length - 1].outcome).toBe('completed');
        expect(executions.slice(0, -1).every((e) => e.outcome === 'interrupted')).toBe(true);
      }
      // Every step's body ran; in total once per step plus at most once per execution a kill cut off.
      expect([...journalCounts.keys()].sort()).toEqual([
        'c1',
        'c2',
        'f1',
        'f2',
        'f3',
        'f4',
        's1',
        's2',
        's3',
        's4',
        's5',
        's6',
      ]);
      const interrupted = trace.filter((e) => e.outcome === 'interrupted').length;
      const totalJournal = [...journalCounts.values()].reduce((a, b) => a + b, 0);
      expect(totalJournal).toBeGreaterThanOrEqual(12);
      expect(totalJournal).toBeLessThanOrEqual(12 + interrupted);
    } finally {
      host.close();
    }
  }, 120000);
});
