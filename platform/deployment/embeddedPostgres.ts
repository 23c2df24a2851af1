import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { servePglite } from './pgliteSession';

/**
 * One deployed service's database when no PostgreSQL server is configured: PGlite (PostgreSQL compiled to
 * WebAssembly) keeping its files in DATA_DIR, served over the PostgreSQL protocol on loopback (pgliteSession.ts).
 * The local target runs it under the service supervisor, which restarts it on the same port after a crash;
 * the data stays in DATA_DIR across restarts and versions.
 *
 * Usage: node embeddedPostgres.js DATA_DIR (PORT: the port, 0 for any free one);
 * node embeddedPostgres.js --init DATA_DIR only initialises the folder.
 * With EMBEDDED_POSTGRES_TEMPLATES (a folder), a fresh DATA_DIR is a copy of an initialised cluster kept there
 * per PGlite version: initdb in WebAssembly costs about 8 s of CPU, a copy a fraction of a second.
 */
const initOnly = process.argv[2] === '--init';
const dataDir = process.argv[initOnly ? 3 : 2];

/** One service's data: small buffers keep each embedded server near 170 MB instead of 280 MB. */
const smallServer = ['shared_buffers = 16MB', 'wal_buffers = 1MB', 'work_mem = 2MB'];

/**
 * PGlite is one session running one message at a time; the connections share it in turns (pgliteSession.ts), a
 * connection keeping it for a whole extended query or transaction.
 */
const maxConnections = 32;

async function serve(): Promise<void> {
  if (!dataDir) {
    process.stderr.write('usage: node embeddedPostgres.js DATA_DIR\n');
    process.exit(2);
  }
  // initdb leaves the WebAssembly heap at several hundred MB for the life of the process: a fresh folder is
  // initialised by a short-lived process of its own, and this one only opens it.
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    const templates = process.env.EMBEDDED_POSTGRES_TEMPLATES;
    if (templates) cpSync(template(templates), dataDir, { recursive: true });
    else initialiseIn(dataDir);
  }
  const db = await PGlite.create(dataDir, { postgresqlconf: smallServer });
  // A deployment folder that was removed (its product deleted) takes its database with it.
  setInterval(() => {
    if (!existsSync(dataDir)) void stop();
  }, 5000).unref();
  const server = await servePglite(db, { port: Number(process.env.PORT ?? 0), maxConnections });
  const port = server.port;
  process.stdout.write(`embedded PostgreSQL (PGlite) on ${dataDir} listening on port ${port}\n`);
  async function stop(): Promise<void> {
    await server.close().catch(() => undefined);
    await db.close().catch(() => undefined);
    process.exit(0);
  }
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

function initialiseIn(folder: string): void {
  const init = spawnSync(process.execPath, [__filename, '--init', folder], { stdio: 'inherit' });
  if (init.status !== 0) throw new Error(`initialising ${folder} failed (exit ${init.status})`);
}

/**
 * The initialised cluster of this PGlite version, made once: in a folder of its own, then renamed into place, so
 * that databases started at the same moment never copy a half-made one (the loser of the rename drops its own).
 */
function template(root: string): string {
  const packageFile = join(dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(packageFile, 'utf8')) as { version: string };
  const ready = join(root, `pglite-${version}`);
  if (existsSync(join(ready, 'PG_VERSION'))) return ready;
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const making = mkdtempSync(join(root, '.making-'));
  initialiseIn(making);
  try {
    renameSync(making, ready);
  } catch (error) {
    rmSync(making, { recursive: true, force: true });
    if (!existsSync(join(ready, 'PG_VERSION'))) throw error;
  }
  return ready;
}

/** A creation that runs initdb and ends (see above). */
async function initialise(): Promise<void> {
  const db = await PGlite.create(dataDir, { postgresqlconf: smallServer });
  await db.close();
}

(initOnly ? initialise() : serve()).catch((error: unknown) => {
  process.stderr.write(`embedded PostgreSQL failed: ${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
