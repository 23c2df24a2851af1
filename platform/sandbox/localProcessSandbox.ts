import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { hostChromium } from './chromium';
import type { Confinement } from './confinement';
import { processConfinement } from './processConfinement';
import {
  isSecretName,
  type Sandbox,
  type SandboxRequest,
  type SandboxResult,
} from '../../core/ports/sandbox';

export interface LocalProcessSandboxOptions {
  /** Parent folder of the per-run working directories (default: the OS temp folder). */
  root?: string;
  /** Keep working directories after the run, for debugging. */
  keep?: boolean;
  /** Environment the scrubbed environment is built from (default: process.env). */
  parentEnv?: NodeJS.ProcessEnv;
  /**
   * How commands are confined (default: `processConfinement`, the weaker mode; the composition root chooses from
   * settings).
   */
  confinement?: Confinement;
}

/** Memory and process limits when a request names none. */
export const defaultExecutionLimits = { memoryMiB: 1024, maxProcesses: 256 };

/** A sandbox file path made relative and checked to stay inside the working directory. */
export function safeRelative(path: string): string {
  const normal = normalize(path);
  if (isAbsolute(normal) || normal.startsWith('..') || normal.split(/[\\/]/).includes('..')) {
    throw new Error(`sandbox file path ${path} must stay inside the working directory`);
  }
  return normal;
}

/**
 * Runs a command in a child process on this machine: its own temp working directory, a scrubbed environment
 * (PATH, LANG, HOME and TMPDIR inside the working directory; nothing secret-looking), a CPU-time limit, a
 * wall-clock limit that ends everything it started, and capped output. What else confines it is the
 * confinement's: namespaces and a control group (`namespaceConfinement`), or nothing more (`processConfinement`).
 */
export class LocalProcessSandbox implements Sandbox {
  readonly adapter: 'local-namespaces' | 'local-process';
  private readonly confinement: Confinement;

  constructor(private readonly options: LocalProcessSandboxOptions = {}) {
    this.confinement = options.confinement ?? processConfinement;
    this.adapter = this.confinement.name === 'namespaces' ? 'local-namespaces' : 'local-process';
  }

  /** What confines the commands, for run reports. */
  get isolation(): string {
    return this.confinement.description;
  }

  /**
   * The host's Chromium, with namespaces only: Node's permission model, all the process mode has, does not reach
   * into a browser the command starts.
   */
  get browser(): string | undefined {
    return this.adapter === 'local-namespaces'
      ? hostChromium(this.options.parentEnv ?? process.env)
      : undefined;
  }

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
    const command = request.command.map((arg) => arg.split('{workdir}').join(workdir));
    const execution = this.confinement.prepare(command, workdir, {
      cpuSeconds: request.cpuSeconds,
      memoryMiB: request.memoryMiB ?? defaultExecutionLimits.memoryMiB,
      maxProcesses: request.maxProcesses ?? defaultExecutionLimits.maxProcesses,
    });
    const [program, ...args] = execution.argv;
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
        void execution.release();
      }, request.timeoutMs);
      // A descendant that keeps stdout open (a `setsid` grandchild) must not hold the run past its command's end.
      let held: NodeJS.Timeout | undefined;
      child.on('exit', () => {
        held = setTimeout(() => {
          killGroup();
          void execution.release();
          child.stdout.destroy();
          child.stderr.destroy();
        }, 1000);
      });
      child.on('error', (error) => {
        clearTimeout(timer);
        void execution.release();
        reject(error);
      });
      child.on('close', (exitCode, signal) => {
        clearTimeout(timer);
        clearTimeout(held);
        // Grandchildren left behind (a server the tests forgot to close) do not outlive the run.
        killGroup();
        const note = execution.limitNote();
        void execution.release().then(() =>
          resolve({
            ...execution.outcome(exitCode, signal),
            timedOut,
            stdout: Buffer.concat(out).toString('utf8'),
            stderr: Buffer.concat(err).toString('utf8') + (note ? `\n${note}\n` : ''),
            durationMs: Number(process.hrtime.bigint() - started) / 1e6,
            outputTruncated: truncated,
          }),
        );
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
