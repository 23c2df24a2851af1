import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { writeFileAtomic } from '../files/atomicWrite';
import { ours, sleep, stopProcess, type ProcessRecord } from './detachedProcess';

/** Where one deployed service keeps its data, as the deployment gives it to the service and to its migrations. */
export interface ServiceDatabase {
  engine: 'embedded' | 'server';
  /** What the service connects with (DATABASE_URL): on a server, a role that may read and write rows only. */
  url: string;
  /** What the migrations run with: the owner of the schema. */
  adminUrl: string;
}

/** What the deployment folder keeps about a service's database (`databases/<service>.json`). */
type DatabaseRecord =
  | { engine: 'embedded'; process: ProcessRecord }
  | { engine: 'server'; database: string; role: string; password: string };

const listening = /listening on port (\d+)/;

/** The compiled scripts (see serviceSupervisor.ts): from the sources, the build's copies. */
const compiled = (name: string) =>
  __filename.endsWith('.ts')
    ? join(__dirname, '..', '..', 'dist', 'platform', 'deployment', `${name}.js`)
    : join(__dirname, `${name}.js`);

/**
 * Where embedded databases keep the initialised cluster they start from: FACTORY_DATABASE_TEMPLATES, else
 * `<FACTORY_HOME>/database-templates`.
 */
export function databaseTemplates(env: NodeJS.ProcessEnv, home: string): string {
  return env.FACTORY_DATABASE_TEMPLATES?.trim() || join(home, 'database-templates');
}

/**
 * The databases of a product deployed on this machine, one per service (each service owns its data). With
 * PRODUCT_DATABASE_URL (a PostgreSQL server and a role that may create databases and roles), each service gets
 * a database of its own there and a login role limited to reading and writing rows; without it, each service
 * gets an embedded PostgreSQL (PGlite) in the deployment's folder. Databases outlive versions: the next version
 * migrates and uses the same one, so data written through the API survives redeploys and crashes.
 */
export class LocalProductDatabases {
  /**
   * `templates`: a folder where embedded databases keep an initialised cluster to copy (embeddedPostgres.ts);
   * without it, each new embedded database runs initdb.
   */
  constructor(
    private readonly options: { serverUrl?: string; startTimeoutMs?: number; templates?: string } = {},
  ) {}

  /** The engine a new database gets. */
  get engine(): ServiceDatabase['engine'] {
    return this.options.serverUrl ? 'server' : 'embedded';
  }

  /** The folder holds server passwords: only the factory's user may enter it. */
  private recordFile(base: string, service: string): string {
    const folder = join(base, 'databases');
    mkdirSync(folder, { recursive: true });
    chmodSync(folder, 0o700);
    return join(folder, `${service}.json`);
  }

  private read(base: string, service: string): DatabaseRecord | undefined {
    const file = this.recordFile(base, service);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DatabaseRecord) : undefined;
  }

  private async write(base: string, service: string, record: DatabaseRecord): Promise<void> {
    await writeFileAtomic(this.recordFile(base, service), JSON.stringify(record, null, 2));
  }

  /** Whether the service was given a database by an earlier deployment. */
  has(base: string, service: string): boolean {
    return this.read(base, service) !== undefined;
  }

  /**
   * The service's database, created on first use and started again when its process is gone. `owner` names the
   * deployment (tenant and run) in server database names.
   */
  async ensure(base: string, service: string, owner: string): Promise<ServiceDatabase> {
    const record = this.read(base, service);
    if (record?.engine === 'server' || (!record && this.options.serverUrl)) {
      return this.onServer(base, service, owner, record?.engine === 'server' ? record : undefined);
    }
    const running = record?.engine === 'embedded' ? record.process : undefined;
    const server =
      running && ours(running) ? running : await this.startEmbedded(base, service, running?.port);
    if (server !== running) await this.write(base, service, { engine: 'embedded', process: server });
    const url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
    return { engine: 'embedded', url, adminUrl: url };
  }

  private async startEmbedded(base: string, service: string, port = 0): Promise<ProcessRecord> {
    const dataDir = join(base, 'databases', service, 'data');
    mkdirSync(dataDir, { recursive: true });
    // A factory killed between starting a database and recording it leaves one running: two servers on one
    // folder would corrupt it, so whatever still serves this folder stops first.
    for (const pid of supervisorsOf(dataDir)) await stopProcess({ service, pid, port: 0, dir: dataDir });
    const logPath = join(base, 'databases', `${service}.log`);
    writeFileSync(logPath, '');
    const fd = openSync(logPath, 'a');
    let child;
    try {
      // Under the service supervisor: a crashed database comes back on the same port with the same files.
      child = spawn(
        process.execPath,
        [
          compiled('serviceSupervisor'),
          logPath,
          dataDir,
          '--',
          process.execPath,
          compiled('embeddedPostgres'),
          dataDir,
        ],
        {
          detached: true,
          stdio: ['ignore', fd, fd],
          env: {
            PATH: process.env.PATH ?? '',
            PORT: String(port),
            ...(this.options.templates ? { EMBEDDED_POSTGRES_TEMPLATES: this.options.templates } : {}),
          },
        },
      );
    } finally {
      closeSync(fd);
    }
    child.unref();
    const pid = child.pid;
    if (!pid) throw new Error(`${service}: the embedded database did not start`);
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      const text = readFileSync(logPath, 'utf8');
      const match = listening.exec(text);
      if (match) return { service: `${service}-database`, pid, port: Number(match[1]), dir: dataDir };
      if (/embedded PostgreSQL failed|the service exited/.test(text)) {
        await stopProcess({ service, pid, port: 0, dir: dataDir });
        throw new Error(`${service}: the embedded database did not start: ${text.slice(-400)}`);
      }
      await sleep(100);
    }
    await stopProcess({ service, pid, port: 0, dir: dataDir });
    throw new Error(`${service}: the embedded database did not listen within the start timeout`);
  }

  /** A database and a login role of the service's own on the configured server. */
  private async onServer(
    base: string,
    service: string,
    owner: string,
    known: Extract<DatabaseRecord, { engine: 'server' }> | undefined,
  ): Promise<ServiceDatabase> {
    const server = this.options.serverUrl;
    if (!server)
      throw new Error(
        `${service}: its database is on a PostgreSQL server, but PRODUCT_DATABASE_URL is not set`,
      );
    const name = known?.database ?? serverName(owner, service);
    const record = known ?? { engine: 'server' as const, database: name, role: name, password: secret() };
    const admin = new Client({ connectionString: server, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      const role = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [record.role]);
      // Names are [a-z0-9_] (serverName) and the password hex, so both are safe to write into DDL.
      if (role.rowCount === 0)
        await admin.query(`CREATE ROLE ${record.role} LOGIN PASSWORD '${record.password}'`);
      else await admin.query(`ALTER ROLE ${record.role} LOGIN PASSWORD '${record.password}'`);
      const database = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [record.database]);
      if (database.rowCount === 0) await admin.query(`CREATE DATABASE ${record.database}`);
      await admin.query(`REVOKE ALL ON DATABASE ${record.database} FROM PUBLIC`);
      await admin.query(`GRANT CONNECT ON DATABASE ${record.database} TO ${record.role}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
    if (!known) await this.write(base, service, record);
    const adminUrl = new URL(server);
    adminUrl.pathname = `/${record.database}`;
    const url = new URL(adminUrl);
    url.username = record.role;
    url.password = record.password;
    return { engine: 'server', url: url.toString(), adminUrl: adminUrl.toString() };
  }

  /**
   * After the migrations: the service's role may read and write the rows of every table but the migration
   * ledger, and use the sequences; it may not change the schema.
   */
  async grantRows(base: string, service: string, database: ServiceDatabase): Promise<void> {
    const record = this.read(base, service);
    if (database.engine !== 'server' || record?.engine !== 'server') return;
    const admin = new Client({ connectionString: database.adminUrl, connectionTimeoutMillis: 10_000 });
    await admin.connect();
    try {
      await admin.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      await admin.query(`GRANT USAGE ON SCHEMA public TO ${record.role}`);
      await admin.query(
        `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${record.role}`,
      );
      await admin.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${record.role}`);
      await admin.query(`REVOKE ALL ON schema_migrations FROM ${record.role}`);
    } finally {
      await admin.end().catch(() => undefined);
    }
  }

  /** Stops the embedded databases of a deployment (their files stay); server databases are left as they are. */
  async stopAll(base: string): Promise<number> {
    const folder = join(base, 'databases');
    if (!existsSync(folder)) return 0;
    let stopped = 0;
    for (const file of readdirSync(folder).filter((name) => name.endsWith('.json'))) {
      const record = this.read(base, file.slice(0, -'.json'.length));
      if (record?.engine === 'embedded' && (await stopProcess(record.process))) stopped++;
    }
    return stopped;
  }
}

/** The supervisors (process group leaders) of embedded databases serving `dataDir`, from /proc (Linux). */
function supervisorsOf(dataDir: string): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return args.some((a) => a.endsWith('serviceSupervisor.js')) && args.includes(dataDir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** `sf_<10 hex of tenant and run>_<service>`: a PostgreSQL name of [a-z0-9_], 63 bytes at most. */
function serverName(owner: string, service: string): string {
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, 10);
  return `sf_${hash}_${service.toLowerCase().replace(/[^a-z0-9]/g, '_')}`.slice(0, 63);
}

const secret = () => randomBytes(24).toString('hex');
