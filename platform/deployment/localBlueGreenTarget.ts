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
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from '../files/atomicWrite';
import { linkTree } from '../files/linkTree';
import type { Confinement } from '../sandbox/confinement';
import { processConfinement } from '../sandbox/processConfinement';
import { ours, sleep, stopProcess, type ProcessRecord } from './detachedProcess';
import { buildClient } from './clientBuild';
import { applyPendingMigrations, migrationScripts } from './migrations';
import { databaseTemplates, LocalProductDatabases } from './productDatabases';
import { ProductIssuer } from './productIssuer';
import { StepLog } from './stepLog';
import { sharedNodeModules } from './sharedNodeModules';
import { readTarGz, type TarEntry } from './tarball';
import {
  assertSafeSegment,
  httpCheck,
  type CheckResult,
  type CurrentDeployment,
  type DeployedService,
  type DeploymentOutcome,
  type DeploymentTarget,
  type DeployRequest,
  type SmokeCheck,
  type TokenCaller,
} from '../../core/ports/deploymentTarget';

/** In a version's build of a service whose packages are hard links (see `buildService`). */
const linkedModulesMarker = '.linked-modules';

/**
 * A version built for namespaces and started without them (the setting changed) is about to run where it may
 * write: its linked packages become a copy of its own first. Each step is a rename or redone from the start, so a
 * factory killed halfway leaves the packages whole.
 */
function unlinkPackages(built: string): void {
  const marker = join(built, linkedModulesMarker);
  const modules = join(built, 'node_modules');
  const copy = `${modules}.copy`;
  const old = `${modules}.linked`;
  if (!existsSync(marker)) {
    rmSync(old, { recursive: true, force: true }); // killed after the marker went, before this did
    return;
  }
  if (existsSync(modules)) {
    rmSync(copy, { recursive: true, force: true });
    cpSync(modules, copy, { recursive: true });
    rmSync(old, { recursive: true, force: true });
    renameSync(modules, old);
  }
  renameSync(copy, modules);
  rmSync(marker);
  rmSync(old, { recursive: true, force: true });
}

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
  /** Where services keep their data (default: an embedded PostgreSQL per service). */
  databases?: LocalProductDatabases;
}

/** Memory and processes of one deployed service at the most. */
export const serviceLimits = { memoryMiB: 512, maxProcesses: 64 };

const listening = /listening on port (\d+)/;

/**
 * The compiled supervisor (`serviceSupervisor.ts`): next to this file in `dist/`; from the sources (tests run
 * them through ts-jest) the build's copy, which `npm test` builds first.
 */
const compiled = (script: string) =>
  __filename.endsWith('.ts')
    ? join(__dirname, '..', '..', 'dist', 'platform', 'deployment', script)
    : join(__dirname, script);
const supervisorScript = compiled('serviceSupervisor.js');
/** The product's one origin (`productGateway.ts`), compiled the same way. */
const gatewayScript = compiled('productGateway.js');
/** The generated clients a deployment serves: `web/` at the gateway's root, `mobile/` (the PWA) at `/app/`. */
const clients = ['web', 'mobile'] as const;
/** One deployment under way: what was asked, where the version goes, what served before, the steps so far. */
interface Rollout {
  request: DeployRequest;
  version: string;
  /** The run's deployments folder. */
  base: string;
  versionDir: string;
  before: CurrentDeployment | undefined;
  log: StepLog;
}

/** One rollback under way: the live version that fails, its processes, and the steps since `at`. */
interface Reversal {
  tenantId: string;
  runId: string;
  reason: string;
  current: CurrentDeployment;
  failing: ProcessRecord[];
  log: StepLog;
  at: Date;
}

/** The version that served before this deployment, if one was live. */
const servingBefore = ({ before }: Rollout) => (before?.status === 'live' ? before.version : undefined);

/** What the routing entry records as the version to roll back to once this one is live. */
const previousVersionOf = ({ before, version }: Rollout) =>
  before?.status === 'live' && before.version !== version ? before.version : before?.previousVersion;

const deployedService = (r: ProcessRecord): DeployedService => ({
  service: r.service,
  url: `http://127.0.0.1:${r.port}`,
  port: r.port,
  pid: r.pid,
});

/** Who the smoke tests call as. */
const smokeCaller: TokenCaller = { subject: 'factory:smoke-tests', roles: [] };

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
  readonly grantsRoles = true;

  private readonly databases: LocalProductDatabases;

  constructor(private readonly options: LocalBlueGreenOptions) {
    this.databases =
      options.databases ??
      new LocalProductDatabases({ templates: databaseTemplates(process.env, options.home) });
  }

  root(tenantId: string, runId: string): string {
    return resolve(
      this.options.home,
      'deployments',
      assertSafeSegment(tenantId, 'tenant id'),
      assertSafeSegment(runId, 'run id'),
    );
  }

  routingFile(tenantId: string, runId: string): string {
    return join(this.root(tenantId, runId), 'current.json');
  }

  /** A token the product's services accept, signed by its deployment's issuer (`factory token`). */
  async accessToken(tenantId: string, runId: string, caller: TokenCaller, seconds?: number): Promise<string> {
    return new ProductIssuer(this.root(tenantId, runId)).token(caller, seconds);
  }

  async current(tenantId: string, runId: string): Promise<CurrentDeployment | undefined> {
    const path = this.routingFile(tenantId, runId);
    if (!existsSync(path)) return undefined;
    return JSON.parse(readFileSync(path, 'utf8')) as CurrentDeployment;
  }

  private processes(versionDir: string): ProcessRecord[] {
    const path = join(versionDir, 'processes.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as ProcessRecord[]) : [];
  }

  async deploy(request: DeployRequest): Promise<DeploymentOutcome> {
    const version = assertSafeSegment(request.version, 'version');
    const base = this.root(request.tenantId, request.runId);
    const rollout: Rollout = {
      request,
      version,
      base,
      versionDir: join(base, version),
      before: await this.current(request.tenantId, request.runId),
      log: new StepLog(),
    };
    const { before } = rollout;
    // First: the checks of a version already live call with its tokens too (a product deployed before tokens).
    await new ProductIssuer(base).ensure(request.tenantId, request.runId);
    // A retried activity finds its version already live: check it again instead of starting a second copy.
    if (before?.status === 'live' && before.version === version && this.stillRunning(rollout.versionDir))
      return this.recheckLive(rollout, before);
    let started: ProcessRecord[];
    try {
      started = await this.startGreen(rollout);
    } catch (error) {
      return this.abandonGreen(rollout, (error as Error).message);
    }
    const services = started.map(deployedService);
    const { health, smoke } = await this.checkGreen(rollout, services);
    const failed = [...health, ...smoke].filter((c) => !c.passed);
    if (failed.length > 0) return this.rejectGreen(rollout, started, { services, health, smoke }, failed);
    const web = existsSync(join(rollout.versionDir, 'clients', 'web'))
      ? await this.ensureGateway(rollout)
      : undefined;
    await this.switchTraffic(rollout, services, web);
    await this.stopBlue(rollout);
    return this.outcome(rollout, 'deployed', { services, health, smoke, ...(web ? { web } : {}) });
  }

  private stillRunning(versionDir: string): boolean {
    const records = this.processes(versionDir);
    return records.length > 0 && records.every(ours);
  }

  private outcome(
    rollout: Rollout,
    status: DeploymentOutcome['status'],
    extra: Partial<DeploymentOutcome> = {},
  ): DeploymentOutcome {
    return {
      adapter: this.adapter,
      version: rollout.version,
      status,
      previousVersion: previousVersionOf(rollout),
      services: [],
      steps: rollout.log.steps,
      health: [],
      smoke: [],
      ...extra,
    };
  }

  /**
   * The outcome when the new version does not go live, recorded in the history as rolled back: the version serving
   * before, if any, still serves; `detail` says so with that version, or without one.
   */
  private async notSwitched(
    rollout: Rollout,
    reason: string,
    detail: { kept: (version: string) => string; none: string },
    extra: Partial<DeploymentOutcome> = {},
  ): Promise<DeploymentOutcome> {
    const { request, version, before } = rollout;
    await this.appendHistory(request.tenantId, request.runId, before, version, 'rolled-back', reason);
    const kept = servingBefore(rollout);
    return this.outcome(rollout, kept !== undefined ? 'rolled-back' : 'failed', {
      ...extra,
      rollback: { reason, restored: kept, detail: kept !== undefined ? detail.kept(kept) : detail.none },
    });
  }

  private async recheckLive(rollout: Rollout, before: CurrentDeployment): Promise<DeploymentOutcome> {
    const health = await this.healthOf(before.services, rollout.request.healthTimeoutMs ?? 10_000);
    const smoke = await this.smokeOf(rollout.base, before.services, rollout.request.smoke);
    rollout.log.steps.push({
      name: 'already live',
      startedAt: new Date().toISOString(),
      durationMs: 0,
      ok: true,
      detail: `version ${rollout.version} was already serving; re-checked`,
    });
    const ok = [...health, ...smoke].every((c) => c.passed);
    return {
      ...this.outcome(rollout, ok ? 'deployed' : 'failed', {
        services: before.services,
        health,
        smoke,
        ...(before.web ? { web: before.web } : {}),
      }),
      previousVersion: before.previousVersion,
    };
  }

  /** Green: the version unpacked into a clean folder, each service built, and started beside blue. */
  private async startGreen(rollout: Rollout): Promise<ProcessRecord[]> {
    const { request, versionDir } = rollout;
    for (const record of this.processes(versionDir)) await stopProcess(record);
    rmSync(versionDir, { recursive: true, force: true });
    const entries = await this.unpack(rollout);
    for (const service of request.services) await this.buildService(rollout, entries, service);
    for (const client of clients) await this.buildClient(rollout, entries, client);
    for (const service of request.services) await this.migrate(rollout, entries, service);
    return rollout.log.run('start (green beside blue)', async () => {
      const records: ProcessRecord[] = [];
      try {
        for (const service of request.services)
          records.push(await this.start(versionDir, service, rollout.version));
      } finally {
        await writeJsonAtomic(join(versionDir, 'processes.json'), records);
      }
      return {
        value: records,
        detail: records.map((r) => `${r.service} pid ${r.pid} port ${r.port}`).join(', '),
      };
    });
  }

  private unpack({ request, versionDir, log }: Rollout): Promise<TarEntry[]> {
    return log.run('unpack', async () => {
      const files = readTarGz(request.archive);
      for (const file of files) {
        const target = join(versionDir, 'package', file.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content);
      }
      return { value: files, detail: `${files.length} files into ${versionDir}/package` };
    });
  }

  /** How deployed services are confined (chosen per start: the setting may change while the factory runs). */
  private confinement(): Confinement {
    return this.options.confinement?.() ?? processConfinement;
  }

  private async buildService(
    { versionDir, log }: Rollout,
    entries: TarEntry[],
    service: string,
  ): Promise<void> {
    assertSafeSegment(service, 'service');
    const files = entries
      .filter((e) => e.path.startsWith(`services/${service}/`))
      .map((e) => ({ path: e.path.slice(`services/${service}/`.length), content: e.content }));
    await log.run(`build ${service}`, async () => {
      if (files.length === 0) throw new Error(`the package has no services/${service}/`);
      const built = this.options.build(files);
      if (!built.outDir)
        throw new Error(`${service} does not compile: ${built.problems.slice(0, 3).join('; ')}`);
      const target = join(versionDir, 'build', service);
      const modules = join(built.outDir, 'node_modules');
      // A service confined in namespaces never runs from this folder (it gets a copy of its code and its packages
      // mounted read-only), so its packages are linked, not copied: 30 MB per service and version. A service that
      // runs here (process confinement, which lets it write its folder) gets a copy of its own.
      const linked = this.confinement().needsReachableFolder && existsSync(modules);
      cpSync(built.outDir, target, { recursive: true, filter: (path) => !linked || path !== modules });
      if (linked) {
        linkTree(modules, join(target, 'node_modules'));
        writeFileSync(join(target, linkedModulesMarker), '');
      }
      return { value: undefined, detail: `compiled ${files.length} files` };
    });
  }

  /** A client of the package compiled for the browser into `clients/<client>/`, its API paths on the gateway. */
  private async buildClient(
    { versionDir, log }: Rollout,
    entries: TarEntry[],
    client: (typeof clients)[number],
  ): Promise<void> {
    const files = entries
      .filter((e) => e.path.startsWith(`${client}/`))
      .map((e) => ({ path: e.path.slice(`${client}/`.length), content: e.content }));
    if (files.length === 0) return;
    await log.run(`build ${client} client`, async () => {
      const built = buildClient(files);
      for (const file of built) {
        const target = join(versionDir, 'clients', client, file.path);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, file.content);
      }
      return { value: undefined, detail: `${built.length} files for the browser` };
    });
  }

  /**
   * The product's gateway, started once per deployment and kept: it follows `current.json`, so it outlives
   * versions. One that stopped (the machine restarted) starts again on the port it had.
   */
  private async ensureGateway({ base, log }: Rollout): Promise<string> {
    const recordFile = join(base, 'gateway.json');
    const before = existsSync(recordFile)
      ? (JSON.parse(readFileSync(recordFile, 'utf8')) as ProcessRecord)
      : undefined;
    if (before && ours(before)) return `http://127.0.0.1:${before.port}/`;
    const record = await log.run('start the gateway', async () => {
      const logPath = join(base, 'logs', 'gateway.log');
      mkdirSync(dirname(logPath), { recursive: true });
      writeFileSync(logPath, '');
      const fd = openSync(logPath, 'a');
      let child;
      try {
        child = spawn(process.execPath, [gatewayScript, base, String(before?.port ?? 0)], {
          cwd: base,
          detached: true,
          stdio: ['ignore', fd, fd],
          env: { PATH: process.env.PATH ?? '' },
        });
      } finally {
        closeSync(fd);
      }
      child.unref();
      if (!child.pid) throw new Error('the gateway did not start');
      const deadline = Date.now() + (this.options.startTimeoutMs ?? 15_000);
      while (Date.now() < deadline) {
        const port = listening.exec(readFileSync(logPath, 'utf8'))?.[1];
        if (port) {
          const value: ProcessRecord = { service: 'gateway', pid: child.pid, port: Number(port), dir: base };
          await writeJsonAtomic(recordFile, value);
          return { value, detail: `port ${port}` };
        }
        await sleep(50);
      }
      await stopProcess({ service: 'gateway', pid: child.pid, port: 0, dir: base });
      throw new Error(`the gateway did not listen: ${readFileSync(logPath, 'utf8').slice(-400)}`);
    });
    return `http://127.0.0.1:${record.port}/`;
  }

  /**
   * The service's database before green starts: created on first deployment, migrated with the scripts of
   * `db/<service>/` it has not had yet. Blue keeps serving from the same database meanwhile, so a migration
   * may only add to the schema. A service without migrations gets no database.
   */
  private async migrate(
    { request, base, log }: Rollout,
    entries: TarEntry[],
    service: string,
  ): Promise<void> {
    const scripts = migrationScripts(entries, service);
    if (scripts.length === 0) return;
    await log.run(`migrate ${service}`, async () => {
      const database = await this.databases.ensure(base, service, `${request.tenantId}/${request.runId}`);
      const outcome = await applyPendingMigrations({ connectionString: database.adminUrl }, scripts);
      await this.databases.grantRows(base, service, database);
      return {
        value: undefined,
        detail: `${database.engine} PostgreSQL: ${outcome.applied.length ? `applied ${outcome.applied.join(', ')}` : 'nothing new'}${outcome.unchanged ? `, ${outcome.unchanged} applied before` : ''}`,
      };
    });
  }

  /** Green did not start: what of it runs stops, and the routing entry keeps what served before. */
  private async abandonGreen(rollout: Rollout, reason: string): Promise<DeploymentOutcome> {
    for (const record of this.processes(rollout.versionDir)) await stopProcess(record);
    return this.notSwitched(rollout, reason, {
      kept: (kept) => `version ${kept} kept serving; ${rollout.version} was stopped`,
      none: 'no earlier version to keep serving',
    });
  }

  private async checkGreen(
    { request, log, base }: Rollout,
    services: DeployedService[],
  ): Promise<{ health: CheckResult[]; smoke: CheckResult[] }> {
    const health = await log.run('health checks', async () => {
      const results = await this.healthOf(services, request.healthTimeoutMs ?? 10_000);
      return {
        value: results,
        detail: results.map((c) => `${c.service} ${c.status ?? c.error}`).join(', '),
        ok: results.every((c) => c.passed),
      };
    });
    const smoke = await log.run('smoke tests', async () => {
      const results = await this.smokeOf(base, services, request.smoke);
      return {
        value: results,
        detail: `${results.filter((c) => c.passed).length}/${results.length} passed`,
        ok: results.every((c) => c.passed),
      };
    });
    return { health, smoke };
  }

  /** Green failed its checks: it stops before any traffic reaches it. */
  private async rejectGreen(
    rollout: Rollout,
    started: ProcessRecord[],
    checked: Pick<DeploymentOutcome, 'services' | 'health' | 'smoke'>,
    failed: CheckResult[],
  ): Promise<DeploymentOutcome> {
    const reason = failed.map((c) => `${c.service} ${c.name}: ${c.status ?? c.error ?? 'failed'}`).join('; ');
    await rollout.log.run('rollback (stop green)', async () => {
      for (const record of started) await stopProcess(record);
      return { value: undefined, detail: `stopped ${started.length} process(es) of ${rollout.version}` };
    });
    return this.notSwitched(
      rollout,
      reason,
      {
        kept: (kept) => `traffic never switched: version ${kept} kept serving`,
        none: 'no earlier version was serving',
      },
      checked,
    );
  }

  private async switchTraffic(
    rollout: Rollout,
    services: DeployedService[],
    web: string | undefined,
  ): Promise<void> {
    const { request, version, before } = rollout;
    await rollout.log.run('switch traffic', async () => {
      const now = new Date().toISOString();
      const next: CurrentDeployment = {
        tenantId: request.tenantId,
        runId: request.runId,
        adapter: this.adapter,
        version,
        status: 'live',
        switchedAt: now,
        services,
        previousVersion: previousVersionOf(rollout),
        ...(web ? { web } : {}),
        roles: (request.roles ?? []).map((role) => role.value),
        history: [...(before?.history ?? []), { version, at: now, event: 'switched' }],
      };
      await writeJsonAtomic(this.routingFile(request.tenantId, request.runId), next);
      return { value: undefined, detail: `current.json now routes to ${version}` };
    });
  }

  /** Blue stops once green serves; its build stays for a rollback. */
  private async stopBlue(rollout: Rollout): Promise<void> {
    const blue = servingBefore(rollout);
    if (blue === undefined || blue === rollout.version) return;
    await rollout.log.run(`stop blue (${blue})`, async () => {
      let stopped = 0;
      for (const record of this.processes(join(rollout.base, blue))) if (await stopProcess(record)) stopped++;
      return { value: undefined, detail: `stopped ${stopped} process(es); its build stays for a rollback` };
    });
  }

  async rollback(tenantId: string, runId: string, reason: string): Promise<DeploymentOutcome> {
    const current = await this.current(tenantId, runId);
    const log = new StepLog();
    const at = new Date();
    if (!current || current.status !== 'live') return this.nothingLive(current, reason);
    const base = this.root(tenantId, runId);
    const reversal: Reversal = {
      tenantId,
      runId,
      reason,
      current,
      failing: this.processes(join(base, current.version)),
      log,
      at,
    };
    const previous = current.previousVersion;
    if (!previous || !existsSync(join(base, previous, 'build'))) return this.stopWithoutEarlier(reversal);
    const { restored, health } = await this.restart(reversal, join(base, previous), previous);
    const switchedAt = await this.switchBack(reversal, previous, restored);
    for (const record of reversal.failing) await stopProcess(record);
    log.ended(`stop ${current.version}`, switchedAt, true, `stopped ${reversal.failing.length} process(es)`);
    return {
      adapter: this.adapter,
      version: current.version,
      status: 'rolled-back',
      previousVersion: previous,
      services: restored,
      steps: log.steps,
      health,
      smoke: [],
      rollback: { reason, restored: previous, detail: `traffic switched back to ${previous}` },
    };
  }

  private nothingLive(current: CurrentDeployment | undefined, reason: string): DeploymentOutcome {
    return {
      adapter: this.adapter,
      version: current?.version ?? 'none',
      status: 'failed',
      services: [],
      steps: [],
      health: [],
      smoke: [],
      rollback: { reason, detail: 'nothing is live to roll back' },
    };
  }

  /** No earlier version to go back to: the failing one stops and the routing entry says nothing serves. */
  private async stopWithoutEarlier({
    tenantId,
    runId,
    reason,
    current,
    failing,
    log,
    at,
  }: Reversal): Promise<DeploymentOutcome> {
    for (const record of failing) await stopProcess(record);
    await this.appendHistory(
      tenantId,
      runId,
      current,
      current.version,
      'stopped',
      `rollback with no earlier version: ${reason}`,
    );
    await writeJsonAtomic(this.routingFile(tenantId, runId), {
      ...(await this.current(tenantId, runId)),
      status: 'stopped',
    });
    log.ended('stop failing version', at, true, `no earlier version; ${current.version} stopped`);
    return {
      adapter: this.adapter,
      version: current.version,
      status: 'failed',
      services: [],
      steps: log.steps,
      health: [],
      smoke: [],
      rollback: { reason, detail: `no earlier version to restore; ${current.version} was stopped` },
    };
  }

  /** Starts the earlier version again from its build, beside the failing one, and checks its health. */
  private async restart(
    { log, at }: Reversal,
    versionDir: string,
    previous: string,
  ): Promise<{ restored: DeployedService[]; health: CheckResult[] }> {
    const records: ProcessRecord[] = [];
    for (const service of readdirSync(join(versionDir, 'build')))
      records.push(await this.start(versionDir, service, previous));
    await writeJsonAtomic(join(versionDir, 'processes.json'), records);
    const restored = records.map(deployedService);
    const health = await this.healthOf(restored, 10_000);
    log.ended(
      `restart ${previous}`,
      at,
      health.every((h) => h.passed),
      restored.map((s) => `${s.service} ${s.url}`).join(', '),
    );
    return { restored, health };
  }

  /** Points the routing entry back at the earlier version; returns when it switched. */
  private async switchBack(
    { tenantId, runId, reason, current }: Reversal,
    previous: string,
    restored: DeployedService[],
  ): Promise<Date> {
    const switchedAt = new Date();
    const now = switchedAt.toISOString();
    await writeJsonAtomic(this.routingFile(tenantId, runId), {
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
    return switchedAt;
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
    await this.databases.stopAll(base);
    const gateway = join(base, 'gateway.json');
    if (
      existsSync(gateway) &&
      (await stopProcess(JSON.parse(readFileSync(gateway, 'utf8')) as ProcessRecord))
    )
      stopped++;
    const current = await this.current(tenantId, runId);
    if (current && current.status !== 'stopped') {
      const now = new Date().toISOString();
      await writeJsonAtomic(this.routingFile(tenantId, runId), {
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
    const base = dirname(versionDir);
    // A database that stopped (the machine restarted) starts again before its service.
    const database = this.databases.has(base, service)
      ? await this.databases.ensure(base, service, '')
      : undefined;
    const confinement = this.confinement();
    const dir = confinement.needsReachableFolder
      ? mkdtempSync(join(tmpdir(), `factory-service-${service}-`))
      : built;
    const modules = join(built, 'node_modules');
    if (dir === built) unlinkPackages(built);
    // A service confined in namespaces gets a copy of its own code and its packages mounted read-only.
    const readOnly =
      dir !== built && existsSync(modules)
        ? [{ source: sharedNodeModules(built), target: join(dir, 'node_modules') }]
        : [];
    if (dir !== built) {
      // Its code only: not the packages, nor the marker or what a killed unlinkPackages left beside them.
      const left = [modules, join(built, linkedModulesMarker), `${modules}.copy`, `${modules}.linked`];
      cpSync(built, dir, { recursive: true, filter: (source) => !left.includes(source) });
      for (const mount of readOnly) mkdirSync(mount.target);
    }
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
      { network: 'host', service: true, readOnly },
    );
    try {
      // Through the supervisor, which starts the service again after a crash, on the same port.
      child = spawn(process.execPath, [supervisorScript, logPath, dir, '--', ...execution.argv], {
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
          ...new ProductIssuer(base).settings(),
          ...(database ? { DATABASE_URL: database.url } : {}),
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
      const text = readFileSync(logPath, 'utf8');
      const match = listening.exec(text);
      if (match)
        return { service, pid, port: Number(match[1]), dir, cgroup: execution.cgroup, staged: dir !== built };
      // A service that dies before it listens is not restarted into the deployment: the start fails.
      const died = exited ?? /\[supervisor\] \S+ the service exited \(([^)]*)\)/.exec(text)?.[1];
      if (died) {
        if (!exited)
          await stopProcess({ service, pid, port: 0, dir, cgroup: execution.cgroup, staged: dir !== built });
        throw new Error(`${service} exited (${died}) before listening: ${text.slice(-400)}`);
      }
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

  private async smokeOf(
    base: string,
    services: DeployedService[],
    checks: SmokeCheck[],
  ): Promise<CheckResult[]> {
    if (checks.length === 0) return [];
    const authorization = `Bearer ${await new ProductIssuer(base).token(smokeCaller, 300)}`;
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
          undefined,
          authorization,
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
    await writeJsonAtomic(this.routingFile(tenantId, runId), {
      ...current,
      history: [
        ...current.history,
        { version, at: new Date().toISOString(), event, detail: detail.slice(0, 500) },
      ],
    } satisfies CurrentDeployment);
  }
}
