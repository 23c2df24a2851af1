import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { resultMarker } from './activityWorker';

export interface ActivityExecution {
  name: string;
  /** The execution's own folder: HOME and TMPDIR of its process, the only place it could write. */
  folder: string;
  ok: boolean;
  /** Why it failed: the activity's error, or how its process ended without a result. */
  error?: string;
  durationMs: number;
  /** Files left in its HOME and TMPDIR when the process ended (scratch it did not remove). */
  leftovers: string[];
}

export interface ActivityProcessOptions {
  /** The app folder (package root): bound read-only, as the package folder of a Flex Consumption app is. */
  appDir: string;
  /** Where each execution gets a folder of its own. */
  workersDir: string;
  /** The process environment of a Functions worker: the app settings and what the platform sets. */
  env: NodeJS.ProcessEnv;
}

function filesUnder(folder: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else found.push(relative(folder, path));
    }
  };
  walk(folder);
  return found.sort();
}

/**
 * Runs each activity in a new process, like instances of a Flex Consumption app that share no disk: under
 * bubblewrap with the whole file system read-only but for a fresh folder that is its HOME and TMPDIR. Whatever
 * one activity leaves on disk, the next one cannot see; a write anywhere else fails with EROFS.
 */
export class ActivityProcesses {
  readonly executions: ActivityExecution[] = [];

  constructor(private readonly options: ActivityProcessOptions) {}

  async run(name: string, input: unknown): Promise<unknown> {
    const folder = mkdtempSync(join(this.options.workersDir, `${name}-`));
    const home = join(folder, 'home');
    const tmp = join(folder, 'tmp');
    mkdirSync(home);
    mkdirSync(tmp);
    const started = Date.now();
    const { appDir } = this.options;
    const child = spawn(
      'bwrap',
      [
        ...['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--bind', folder, folder],
        ...['--chdir', appDir, '--die-with-parent', '--'],
        process.execPath,
        join(appDir, 'dist/test/azure/activityWorker.js'),
      ],
      { env: { ...this.options.env, HOME: home, TMPDIR: tmp }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdin.end(JSON.stringify({ name, input }));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    const lines = Buffer.concat(stdout).toString('utf8').split('\n');
    const last = lines.reverse().find((line) => line.startsWith(resultMarker));
    const outcome = last
      ? (JSON.parse(last.slice(resultMarker.length)) as {
          result?: unknown;
          error?: { name: string; message: string };
        })
      : undefined;
    this.executions.push({
      name,
      folder,
      ok: !!outcome && !outcome.error,
      ...(outcome?.error
        ? { error: `${outcome.error.name}: ${outcome.error.message}` }
        : outcome
          ? {}
          : {
              error: `ended (code ${code}) without a result: ${Buffer.concat(stderr).toString('utf8').slice(-500)}`,
            }),
      durationMs: Date.now() - started,
      leftovers: [...filesUnder(home), ...filesUnder(tmp).map((f) => `tmp/${f}`)],
    });
    if (!outcome) {
      throw new Error(
        `activity ${name}: its process ended (code ${code}) without a result: ${Buffer.concat(stderr).toString('utf8').slice(-2000)}`,
      );
    }
    if (outcome.error) {
      const error = new Error(outcome.error.message);
      error.name = outcome.error.name;
      throw error;
    }
    return outcome.result;
  }
}
