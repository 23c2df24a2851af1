import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { isSecretName, type Sandbox, type SandboxRequest, type SandboxResult } from './sandbox';

export interface LocalProcessSandboxOptions {
  /** Parent folder of the per-run working directories (default: the OS temp folder). */
  root?: string;
  /** Keep working directories after the run, for debugging. */
  keep?: boolean;
  /** Environment the scrubbed environment is built from (default: process.env). */
  parentEnv?: NodeJS.ProcessEnv;
}

let prlimitPath: string | null | undefined;

/** util-linux `prlimit`, when installed: it sets RLIMIT_CPU without a shell. */
function findPrlimit(): string | null {
  if (prlimitPath !== undefined) return prlimitPath;
  for (const candidate of ['/usr/bin/prlimit', '/bin/prlimit']) {
    const probe = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (probe.status === 0) return (prlimitPath = candidate);
  }
  return (prlimitPath = null);
}

/** A sandbox file path made relative and checked to stay inside the working directory. */
export function safeRelative(path: string): string {
  const normal = normalize(path);
  if (isAbsolute(normal) || normal.startsWith('..') || normal.split(/[\\/]/).includes('..')) {
    throw new Error(`sandbox file path ${path} must stay inside the working directory`);
  }
  return normal;
}

/**
 * Runs a command in a child process: its own temp working directory, its own process group, a scrubbed
 * environment (PATH, LANG, HOME and TMPDIR inside the working directory; nothing secret-looking), a CPU-time
 * limit, a wall-clock limit that kills the whole group, and capped output. It confines what the process can
 * see and how long it runs; it does not confine the filesystem by itself: a Node command confines writes with
 * the permission model (`nodePermissionArgs`). It is not a container: network and reads of world-readable
 * files stay possible unless the command restricts them.
 */
export class LocalProcessSandbox implements Sandbox {
  readonly adapter = 'local-process';

  constructor(private readonly options: LocalProcessSandboxOptions = {}) {}

  scrubbedEnv(workdir: string, extra: Record<string, string> = {}): Record<string, string> {
    const parent = this.options.parentEnv ?? process.env;
    const env: Record<string, string> = {
      PATH: parent.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: parent.LANG ?? 'C.UTF-8',
      HOME: workdir,
      TMPDIR: join(workdir, '.tmp'),
    };
    for (const [name, value] of Object.entries(extra)) {
      if (!isSecretName(name) && name !== 'NODE_OPTIONS') env[name] = value;
    }
    return env;
  }

  async run(request: SandboxRequest): Promise<SandboxResult> {
    const root = this.options.root ?? tmpdir();
    mkdirSync(root, { recursive: true });
    const workdir = mkdtempSync(join(root, 'sandbox-'));
    try {
      mkdirSync(join(workdir, '.tmp'));
      if (request.workdir) cpSync(request.workdir, workdir, { recursive: true });
      for (const file of request.files ?? []) {
        const target = join(workdir, safeRelative(file.path));
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content);
      }
      return await this.spawnLimited(request, workdir);
    } finally {
      if (!this.options.keep) rmSync(workdir, { recursive: true, force: true });
    }
  }

  private spawnLimited(request: SandboxRequest, workdir: string): Promise<SandboxResult> {
    if (request.command.length === 0) throw new Error('sandbox command is empty');
    const argv = request.command.map((arg) => arg.split('{workdir}').join(workdir));
    const cpu = String(Math.max(1, Math.ceil(request.cpuSeconds)));
    const prlimit = findPrlimit();
    // Both wrappers pass argv through untouched: prlimit execs it, and sh only expands "$@".
    const [program, ...args] = prlimit
      ? [prlimit, `--cpu=${cpu}`, '--', ...argv]
      : ['/bin/sh', '-c', `ulimit -t ${cpu}; exec "$@"`, 'sandbox', ...argv];
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const child = spawn(program, args, {
        cwd: workdir,
        env: this.scrubbedEnv(workdir, request.env),
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const sizes = { out: 0, err: 0 };
      let truncated = false;
      let timedOut = false;
      const collect = (chunks: Buffer[], key: 'out' | 'err') => (chunk: Buffer) => {
        const room = request.maxOutputBytes - sizes[key];
        if (room <= 0) {
          truncated = true;
          return;
        }
        const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
        if (part.length < chunk.length) truncated = true;
        chunks.push(part);
        sizes[key] += part.length;
      };
      child.stdout.on('data', collect(out, 'out'));
      child.stderr.on('data', collect(err, 'err'));
      const killGroup = () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, request.timeoutMs);
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        // Grandchildren left behind in the group (a server the tests forgot to close) do not outlive the run.
        killGroup();
        resolve({
          exitCode,
          signal,
          timedOut,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          outputTruncated: truncated,
        });
      });
    });
  }
}

/**
 * Node 20 permission-model flags confining reads and writes to the working directory. With them, fs writes
 * outside it throw ERR_ACCESS_DENIED, and child processes and worker threads are refused unless allowed.
 * They do not restrict the network, and native addons are refused.
 */
export function nodePermissionArgs(options: { allowChildProcess?: boolean } = {}): string[] {
  return [
    '--experimental-permission',
    '--allow-fs-read={workdir}',
    '--allow-fs-write={workdir}',
    ...(options.allowChildProcess ? ['--allow-child-process'] : []),
    '--no-warnings',
  ];
}

/**
 * Bounds the V8 heap of a Node command: the local adapter sets no memory limit of its own (RLIMIT_AS breaks V8's
 * address-space reservation), so Node programs carry this flag instead. It does not bound native allocations.
 */
export function nodeHeapLimitArgs(megabytes = 512): string[] {
  return [`--max-old-space-size=${megabytes}`];
}
