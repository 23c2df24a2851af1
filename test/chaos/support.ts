// Shared by the stress suites: the CLI as a child process, `factory serve`, and what two runs may differ in.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

export const root = resolve(__dirname, '../..');
export const bin = join(root, 'bin/factory.js');

/**
 * Artifact kinds whose content legitimately differs between two uninterrupted runs of the same vision: they record
 * timings, timestamps, measured latencies or health-probe results of the running product, and the context manifests
 * list their hashes. Observed by diffing two uninterrupted runs; only these are excluded from sha256 comparisons.
 */
export const NONDETERMINISTIC_KINDS = new Set([
  'commit',
  'pull-request',
  'deployment-report',
  'health-check',
  'observability-activation',
  'chaos-test',
  'load-test',
  'quality-report',
  'test-results',
  // Recorded requests and responses: server-assigned ids and timestamps.
  'http-exchanges',
  'context-manifest',
  'deployment-retention',
  'performance-report',
  // Built from the performance report: an alert that fired on a loaded machine becomes a backlog item with its
  // observed value.
  'evolution-plan',
]);

export type Artifact = { path: string; sha256: string; kind: string };

/** Kinds whose content names the run: release notes list the commits of the run's branch. */
const RUN_SPECIFIC_KINDS = new Set(['release-notes']);

/**
 * `path sha256` of the artifacts two runs of one vision must share: with the same run id (`sameRun`) or with
 * any. The run report's name carries a hash, so it is left out.
 */
export function deterministicDigest(
  artifacts: Artifact[],
  scope: 'sameRun' | 'anyRun' = 'sameRun',
): string[] {
  return artifacts
    .filter((a) => !a.path.startsWith('report/') && !NONDETERMINISTIC_KINDS.has(a.kind))
    .filter((a) => scope === 'sameRun' || !RUN_SPECIFIC_KINDS.has(a.kind))
    .map((a) => `${a.path} ${a.sha256}`)
    .sort();
}

/** mulberry32: a small seeded generator so every failure can be replayed with the same seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `factory <args> --json` in a child process with `env`: its one JSON document. */
export function cliJson(env: NodeJS.ProcessEnv, args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args, '--json'], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 600000,
  });
  try {
    return JSON.parse(result.stdout);
  } catch {
    throw new Error(`not one JSON document (exit ${result.status}): ${result.stdout}\n${result.stderr}`);
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

export interface ServingFactory {
  url: string;
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<number | null>;
}

/** `factory serve` in its own process on a free loopback port; resolves once it answers. */
export async function serveFactory(env: NodeJS.ProcessEnv): Promise<ServingFactory> {
  const port = await freePort();
  const child = spawn(process.execPath, [bin, 'serve', '--port', String(port), '--json'], {
    cwd: root,
    env: { ...process.env, FACTORY_KEEP_DEPLOYED: 'false', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  const url = await new Promise<string>((ready, fail) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        ready((JSON.parse(stdout) as { url: string }).url);
      } catch {
        // not the whole document yet
      }
    });
    void exited.then((code) => fail(new Error(`factory serve exited (${code}): ${stderr}`)));
  });
  return {
    url,
    child,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
