import { spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import { Cgroup } from '../sandbox/cgroup';
import type { Confinement } from '../sandbox/confinement';
import { processConfinement } from '../sandbox/processConfinement';
import { readTarGz } from './tarball';
import {
  assertSafeSegment,
  httpCheck,
  type CheckResult,
  type CurrentDeployment,
  type DeployedService,
  type DeploymentOutcome,
  type DeploymentStep,
  type DeploymentTarget,
  type DeployRequest,
  type SmokeCheck,
} from '../../core/ports/deploymentTarget';

/** Compiles one service's files (paths relative to the service folder) to a folder holding `src/main.js`. */
export type ServiceBuilder = (files: Array<{ path: string; content: Buffer }>) => {
  outDir?: string;
  problems: string[];
};

export interface LocalBlueGreenOptions {
  /** FACTORY_HOME: deployments live in `<home>/deployments/<tenant>/<runId>/`. */
  home: string;
  build: ServiceBuilder;
  /** How long a started service has to print `listening on port N`. */
  startTimeoutMs?: number;
  /**
   * How services are confined (default: `processConfinement`, Node's permission model only). With namespaces a
   * service runs as another user, sees only its folder, and is bounded by a control group; it shares the host's
   * network, since people and the health checks reach it there.
   */
  confinement?: () => Confinement;
}

/** Memory and processes of one deployed service at the most. */
export const serviceLimits = { memoryMiB: 512, maxProcesses: 64 };

interface ProcessRecord {
  service: string;
  pid: number;
  port: number;
  dir: string;
  /** The service's control group, released when it stops. */
  cgroup?: string[];
  /** `dir` is a copy made to start it (removed when it stops), not the version's build folder. */
  staged?: boolean;
}

const listening = /listening on port (\d+)/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the pid still runs a service from `dir` (a pid reused by another program is never signalled). */
function ours(record: ProcessRecord): boolean {
  if (!alive(record.pid)) return false;
  try {
    return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(record.dir);
  } catch {
    // No /proc (macOS): the liveness check is all there is.
    return process.platform !== 'linux';
  }
}

async function stopProcess(record: ProcessRecord): Promise<boolean> {
  const running = ours(record);
  if (running) {
    const signal = (s: NodeJS.Signals) => {
      try {
        // Detached: the pid leads its own process group.
        process.kill(-record.pid, s);
      } catch {
        try {
          process.kill(record.pid, s);
        } catch {
          /* already gone */
        }
      }
    };
    signal('SIGTERM');
    for (let i = 0; i < 30 && alive(record.pid); i++) await sleep(100);
    if (alive(record.pid)) signal('SIGKILL');
    for (let i = 0; i < 20 && alive(record.pid); i++) await sleep(50);
  }
  // Whatever is left in the service's control group (it may have been started by another factory process).
  if (record.cgroup?.length) await Cgroup.at(record.cgroup).destroy();
  if (record.staged) rmSync(record.dir, { recursive: true, force: true });
  return running;
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/**
 * Blue/green on this machine. A version is unpacked into `deployments/<tenant>/<runId>/<version>/`, each service
 * compiled and started as a detached process on an ephemeral loopback port. The new version runs beside the old
 * one and must pass its health and smoke checks; only then does `current.json` (the routing entry: which
 * version and which URLs serve) switch to it and the old version stop. On failure the new processes stop and
 * the routing entry is untouched, so the previous version keeps serving. There is no reverse proxy: each
 * version has its own URLs and `current.json` says which are live.
 */
export class LocalBlueGreenTarget implements DeploymentTarget {
  readonly adapter = 'local-blue-green';

  constructor(private readonly options: LocalBlueGreenOptions) {}

  root(tenantId: string, runId: string): string {
    return resolve(
      this.options.home,
      'deployments',
      assertSafeSegment(tenantId, 'tenant id'),
      assertSafeSegment(runId, 'run id'),
    );
  }

  private currentPath(tenantId: string, runId: string): string {
    return join(this.root(tenantId, runId), 'current.json');
  }

  async current(tenantId: string, runId: string): Promise<CurrentDeployment | undefined> {
    const path = this.currentPath(tenantId, runId);
    if (!existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as CurrentDeployment;
  }

  private processes(versionDir: string): ProcessRecord[] {
    const path = join(versionDir, 'processes.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ProcessRecord[]) : [];
  }

  async deploy(request: DeployRequest): Promise<DeploymentOutcome> {
    const { tenantId, runId } = request;
    const version = assertSafeSegment(request.version, 'version');
    const steps: DeploymentStep[] = [];
    const step = async <T>(
      name: string,
      work: () => Promise<{ value: T; detail: string; ok?: boolean }>,
    ): Promise<T> => {
      const startedAt = new Date();
      try {
        const { value, detail, ok } = await work();
        steps.push({
          name,
          startedAt: startedAt.toISOString(),
          durationMs: Date.now() - startedAt.getTime(),
          ok: ok ?? true,
          detail,
        });
        return value;
      } catch (error) {
        steps.push({
          name,
          startedAt: startedAt.toISOString(),
          durationMs: Date.now() - startedAt.getTime(),
          ok: false,
          detail: (error as Error).message,
        });
        throw error;
      }
    };
    const base = this.root(tenantId, runId);
    const versionDir = join(base, version);
    const before = await this.current(tenantId, runId);
    const outcome = (
      status: DeploymentOutcome['status'],
      extra: Partial<DeploymentOutcome> = {},
    ): DeploymentOutcome => ({
      adapter: this.adapter,
      version,
      status,
      previousVersion:
        before?.status === 'live' && before.version !== version ? before.version : before?.previousVersion,
      services: [],
      steps,
      health: [],
      smoke: [],
      ...extra,
    });

    // A retried activity finds its version already live: check it again instead of starting a second copy.
    if (before?.status === 'live' && before.version === version) {
      const records = this.processes(versionDir);
      if (records.length > 0 && records.every(ours)) {
        const health = await this.healthOf(before.services, request.healthTimeoutMs ?? 10_000);
        const smoke = await this.smokeOf(before.services, request.smoke);
        steps.push({
          name: 'already live',
          startedAt: new Date().toISOString(),
          durationMs: 0,
          ok: true,
          detail: `version ${version} was already serving; re-checked`,
        });
        const ok = [...health, ...smoke].every((c) => c.passed);
        return {
          ...outcome(ok ? 'deployed' : 'failed', { services: before.services, health, smoke }),
          previousVersion: before.previousVersion,
        };
      }
    }

    let started: ProcessRecord[] = [];
    try {
      for (const record of this.processes(versionDir)) await stopProcess(record);
      rmSync(versionDir, { recursive: true, force: true });
      const entries = await step('unpack', async () => {
        const files = readTarGz(request.archive);
        for (const file of files) {
          const target = join(versionDir, 'package', file.path);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, file.content);
        }
        return { value: files, detail: `${files.length} files into ${versionDir}/package` };
      });
      for (const service of request.services) {
        assertSafeSegment(service, 'service');
        const files = entries
          .filter((e) => e.path.startsWith(`services/${service}/`))
          .map((e) => ({ path: e.path.slice(`services/${service}/`.length), content: e.content }));
        await step(`build ${service}`, async () => {
          if (files.length === 0) throw new Error(`the package has no services/${service}/`);
          const built = this.options.build(files);
          if (!built.outDir)
            throw new Error(`${service} does not compile: ${built.problems.slice(0, 3).join('; ')}`);
          cpSync(built.outDir, join(versionDir, 'build', service), { recursive: true });
          return { value: undefined, detail: `compiled ${files.length} files` };
        });
      }
      started = await step('start (green beside blue)', async () => {
        const records: ProcessRecord[] = [];
        try {
          for (const service of request.services)
            records.push(await this.start(versionDir, service, version));
        } finally {
          await writeJsonAtomic(join(versionDir, 'processes.json'), records);
        }
        return {
          value: records,
          detail: records.map((r) => `${r.service} pid ${r.pid} port ${r.port}`).join(', '),
        };
      });
    } catch (error) {
      for (const record of started.length ? started : this.processes(versionDir)) await stopProcess(record);
      await this.appendHistory(tenantId, runId, before, version, 'rolled-back', (error as Error).message);
      return outcome(before?.status === 'live' ? 'rolled-back' : 'failed', {
        rollback: {
          reason: (error as Error).message,
          restored: before?.status === 'live' ? before.version : undefined,
          detail:
            before?.status === 'live'
              ? `version ${before.version} kept serving; ${version} was stopped`
              : 'no earlier version to keep serving',
        },
      });
    }

    const services: DeployedService[] = started.map((r) => ({
      service: r.service,
      url: `http://127.0.0.1:${r.port}`,
      port: r.port,
      pid: r.pid,
    }));
    const health = await step('health checks', async () => {
      const results = await this.healthOf(services, request.healthTimeoutMs ?? 10_000);
      return {
        value: results,
        detail: results.map((c) => `${c.service} ${c.status ?? c.error}`).join(', '),
        ok: results.every((c) => c.passed),
      };
    });
    const smoke = await step('smoke tests', async () => {
      const results = await this.smokeOf(services, request.smoke);
      return {
        value: results,
        detail: `${results.filter((c) => c.passed).length}/${results.length} passed`,
        ok: results.every((c) => c.passed),
      };
    });
    const failed = [...health, ...smoke].filter((c) => !c.passed);
    if (failed.length > 0) {
      const reason = failed
        .map((c) => `${c.service} ${c.name}: ${c.status ?? c.error ?? 'failed'}`)
        .join('; ');
      await step('rollback (stop green)', async () => {
        for (const record of started) await stopProcess(record);
        return { value: undefined, detail: `stopped ${started.length} process(es) of ${version}` };
      });
      await this.appendHistory(tenantId, runId, before, version, 'rolled-back', reason);
      return outcome(before?.status === 'live' ? 'rolled-back' : 'failed', {
        services,
        health,
        smoke,
        rollback: {
          reason,
          restored: before?.status === 'live' ? before.version : undefined,
          detail:
            before?.status === 'live'
              ? `traffic never switched: version ${before.version} kept serving`
              : 'no earlier version was serving',
        },
      });
    }

    await step('switch traffic', async () => {
      const now = new Date().toISOString();
      const next: CurrentDeployment = {
        tenantId,
        runId,
        adapter: this.adapter,
        version,
        status: 'live',
        switchedAt: now,
        services,
        previousVersion:
          before?.status === 'live' && before.version !== version ? before.version : before?.previousVersion,
        history: [...(before?.history ?? []), { version, at: now, event: 'switched' }],
      };
      await writeJsonAtomic(this.currentPath(tenantId, runId), next);
      return { value: undefined, detail: `current.json now routes to ${version}` };
    });
    if (before?.status === 'live' && before.version !== version) {
      await step(`stop blue (${before.version})`, async () => {
        let stopped = 0;
        for (const record of this.processes(join(base, before.version)))
          if (await stopProcess(record)) stopped++;
        return { value: undefined, detail: `stopped ${stopped} process(es); its build stays for a rollback` };
      });
    }
    return outcome('deployed', { services, health, smoke });
  }

  async rollback(tenantId: string, runId: string, reason: string): Promise<DeploymentOutcome> {
    const current = await this.current(tenantId, runId);
    const steps: DeploymentStep[] = [];
    const at = new Date();
    if (!current || current.status !== 'live') {
      return {
        adapter: this.adapter,
        version: current?.version ?? 'none',
        status: 'failed',
        services: [],
        steps,
        health: [],
        smoke: [],
        rollback: { reason, detail: 'nothing is live to roll back' },
      };
    }
    const base = this.root(tenantId, runId);
    const failing = this.processes(join(base, current.version));
    const previous = current.previousVersion;
    if (!previous || !existsSync(join(base, previous, 'build'))) {
      for (const record of failing) await stopProcess(record);
      await this.appendHistory(
        tenantId,
        runId,
        current,
        current.version,
        'stopped',
        `rollback with no earlier version: ${reason}`,
      );
      await writeJsonAtomic(this.currentPath(tenantId, runId), {
        ...(await this.current(tenantId, runId)),
        status: 'stopped',
      });
      steps.push({
        name: 'stop failing version',
        startedAt: at.toISOString(),
        durationMs: Date.now() - at.getTime(),
        ok: true,
        detail: `no earlier version; ${current.version} stopped`,
      });
      return {
        adapter: this.adapter,
        version: current.version,
        status: 'failed',
        services: [],
        steps,
        health: [],
        smoke: [],
        rollback: { reason, detail: `no earlier version to restore; ${current.version} was stopped` },
      };
    }
    const versionDir = join(base, previous);
    const services = readdirSync(join(versionDir, 'build'));
    const records: ProcessRecord[] = [];
    for (const service of services) records.push(await this.start(versionDir, service, previous));
    await writeJsonAtomic(join(versionDir, 'processes.json'), records);
    const restored: DeployedService[] = records.map((r) => ({
      service: r.service,
      url: `http://127.0.0.1:${r.port}`,
      port: r.port,
      pid: r.pid,
    }));
    const health = await this.healthOf(restored, 10_000);
    steps.push({
      name: `restart ${previous}`,
      startedAt: at.toISOString(),
      durationMs: Date.now() - at.getTime(),
      ok: health.every((h) => h.passed),
      detail: restored.map((s) => `${s.service} ${s.url}`).join(', '),
    });
    const now = new Date().toISOString();
    await writeJsonAtomic(this.currentPath(tenantId, runId), {
      ...current,
      version: previous,
      services: restored,
      switchedAt: now,
      previousVersion: undefined,
      history: [
        ...current.history,
        { version: previous, at: now, event: 'rolled-back', detail: `from ${current.version}: ${reason}` },
      ],
    } satisfies CurrentDeployment);
    for (const record of failing) await stopProcess(record);
    steps.push({
      name: `stop ${current.version}`,
      startedAt: now,
      durationMs: Date.now() - Date.parse(now),
      ok: true,
      detail: `stopped ${failing.length} process(es)`,
    });
    return {
      adapter: this.adapter,
      version: current.version,
      status: 'rolled-back',
      previousVersion: previous,
      services: restored,
      steps,
      health,
      smoke: [],
      rollback: { reason, restored: previous, detail: `traffic switched back to ${previous}` },
    };
  }

  async undeploy(tenantId: string, runId: string): Promise<{ stopped: number; versions: string[] }> {
    const base = this.root(tenantId, runId);
    if (!existsSync(base)) return { stopped: 0, versions: [] };
    let stopped = 0;
    const versions: string[] = [];
    for (const entry of readdirSync(base, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      let any = false;
      for (const record of this.processes(join(base, entry.name))) {
        if (await stopProcess(record)) {
          stopped++;
          any = true;
        }
      }
      if (any) versions.push(entry.name);
    }
    const current = await this.current(tenantId, runId);
    if (current && current.status !== 'stopped') {
      const now = new Date().toISOString();
      await writeJsonAtomic(this.currentPath(tenantId, runId), {
        ...current,
        status: 'stopped',
        history: [...current.history, { version: current.version, at: now, event: 'stopped' }],
      } satisfies CurrentDeployment);
    }
    return { stopped, versions };
  }

  async logs(
    tenantId: string,
    runId: string,
    maxLines = 500,
  ): Promise<Array<{ service: string; line: string }>> {
    const current = await this.current(tenantId, runId);
    if (!current) return [];
    const dir = join(this.root(tenantId, runId), current.version, 'logs');
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .flatMap((file) =>
        readFileSync(join(dir, file), 'utf8')
          .split('\n')
          .filter(Boolean)
          .slice(-maxLines)
          .map((line) => ({ service: file.replace(/\.log$/, ''), line })),
      );
  }

  /**
   * Starts one compiled service detached, confined by Node's permission model to its own folder and by the
   * confinement. Under namespaces the service runs from a copy outside FACTORY_HOME, which its user cannot reach.
   */
  private async start(versionDir: string, service: string, version: string): Promise<ProcessRecord> {
    const built = join(versionDir, 'build', service);
    if (!existsSync(join(built, 'src', 'main.js')))
      throw new Error(`${service}: no compiled src/main.js in ${built}`);
    const confinement = this.options.confinement?.() ?? processConfinement;
    const dir = confinement.needsReachableFolder
      ? mkdtempSync(join(tmpdir(), `factory-service-${service}-`))
      : built;
    if (dir !== built) cpSync(built, dir, { recursive: true });
    const logPath = join(versionDir, 'logs', `${service}.log`);
    mkdirSync(dirname(logPath), { recursive: true });
    writeFileSync(logPath, '');
    const fd = openSync(logPath, 'a');
    let exited: string | undefined;
    let child;
    const execution = confinement.prepare(
      [
        process.execPath,
        '--experimental-permission',
        `--allow-fs-read=${dir}`,
        `--allow-fs-write=${dir}`,
        '--no-warnings',
        'src/main.js',
      ],
      dir,
      serviceLimits,
      { network: 'host', service: true },
    );
    try {
      const [program, ...args] = execution.argv;
      child = spawn(program, args, {
        cwd: dir,
        detached: true,
        stdio: ['ignore', fd, fd],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: dir,
          PORT: '0',
          HOST: '127.0.0.1',
          NODE_ENV: 'production',
          SERVICE_VERSION: version,
        },
      });
    } catch (error) {
      await execution.release();
      throw error;
    } finally {
      closeSync(fd);
    }
    child.on('exit', (code, signal) => (exited = `exited with ${code ?? signal}`));
    child.unref();
    const pid = child.pid;
    if (!pid) throw new Error(`${service}: the process did not start`);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 15_000);
    while (Date.now() < deadline) {
      const match = listening.exec(readFileSync(logPath, 'utf8'));
      if (match)
        return { service, pid, port: Number(match[1]), dir, cgroup: execution.cgroup, staged: dir !== built };
      if (exited)
        throw new Error(
          `${service} ${exited} before listening: ${readFileSync(logPath, 'utf8').slice(-400)}`,
        );
      await sleep(50);
    }
    await stopProcess({ service, pid, port: 0, dir, cgroup: execution.cgroup, staged: dir !== built });
    throw new Error(
      `${service} did not report a listening port within ${this.options.startTimeoutMs ?? 15_000} ms`,
    );
  }

  private async healthOf(services: DeployedService[], timeoutMs: number): Promise<CheckResult[]> {
    return Promise.all(
      services.map(async (s) => {
        const deadline = Date.now() + timeoutMs;
        let last = await httpCheck(s.service, 'GET /health', `${s.url}/health`, [200]);
        // Connection failures are retried until the deadline (still starting); a service that answers, but
        // not 200, three times in a row is unhealthy.
        let answeredBadly = last.status !== undefined && !last.passed ? 1 : 0;
        while (!last.passed && Date.now() < deadline && answeredBadly < 3) {
          await sleep(200);
          last = await httpCheck(s.service, 'GET /health', `${s.url}/health`, [200]);
          answeredBadly = last.status !== undefined && !last.passed ? answeredBadly + 1 : 0;
        }
        return last;
      }),
    );
  }

  private async smokeOf(services: DeployedService[], checks: SmokeCheck[]): Promise<CheckResult[]> {
    const results: CheckResult[] = [];
    for (const check of checks) {
      const target = services.find((s) => s.service === check.service);
      if (!target) {
        results.push({
          service: check.service,
          name: `${check.method} ${check.path}`,
          url: '',
          passed: false,
          durationMs: 0,
          error: 'service is not deployed',
        });
        continue;
      }
      results.push(
        await httpCheck(
          check.service,
          `${check.method} ${check.path}`,
          `${target.url}${check.path}`,
          check.expect,
        ),
      );
    }
    return results;
  }

  private async appendHistory(
    tenantId: string,
    runId: string,
    current: CurrentDeployment | undefined,
    version: string,
    event: 'rolled-back' | 'stopped',
    detail: string,
  ): Promise<void> {
    if (!current) return;
    await writeJsonAtomic(this.currentPath(tenantId, runId), {
      ...current,
      history: [
        ...current.history,
        { version, at: new Date().toISOString(), event, detail: detail.slice(0, 500) },
      ],
    } satisfies CurrentDeployment);
  }
}
