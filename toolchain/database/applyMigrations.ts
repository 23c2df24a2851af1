import { Worker } from 'node:worker_threads';

export interface MigrationError {
  /** The script that failed, e.g. `002_create_loans.sql` (or `seed.sql`). */
  file: string;
  message: string;
  /** PostgreSQL's SQLSTATE, e.g. `42P01` (undefined table). */
  code?: string;
  /** 1-based line in the script where PostgreSQL placed the error, when it says. */
  line?: number;
}

export interface ApplyResult {
  applied: string[];
  errors: MigrationError[];
  /** Rows per table after the seed, when everything applied. */
  rowCounts: Record<string, number>;
}

/** Migration scripts: `NNN_<name>.sql`, applied in numeric order. */
export const migrationPattern = /(^|\/)(\d{3,})_[^/]*\.sql$/;

/*
 * PGlite runs in a worker thread: its bundle loads Node built-ins with dynamic `import()`, which a host that
 * evaluates modules in a VM context (jest) refuses; a worker has a plain Node module loader. The worker also
 * keeps one pristine instance to clone, because creating PGlite (initdb in WebAssembly) takes seconds while a
 * clone takes a fraction of that.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const { PGlite } = require(workerData.pglite);
let template;
function lineOf(sql, position) {
  const offset = Number(position);
  if (!Number.isFinite(offset) || offset <= 0) return undefined;
  return sql.slice(0, offset - 1).split('\\n').length;
}
parentPort.on('message', async ({ id, scripts }) => {
  const result = { applied: [], errors: [], rowCounts: {} };
  let db;
  try {
    template = template || PGlite.create();
    db = await (await template).clone();
    for (const script of scripts) {
      try {
        // One transaction per script: a failing script leaves nothing half-applied behind it.
        await db.transaction(async (tx) => { await tx.exec(script.sql); });
        result.applied.push(script.path);
      } catch (error) {
        result.errors.push({ file: script.path, message: String(error && error.message || error), code: error && error.code, line: lineOf(script.sql, error && error.position) });
        break;
      }
    }
    if (result.errors.length === 0) {
      const tables = await db.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name");
      for (const { table_name } of tables.rows) {
        const count = await db.query('SELECT count(*)::int AS n FROM "' + table_name.replace(/"/g, '""') + '"');
        result.rowCounts[table_name] = count.rows[0].n;
      }
    }
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, failure: String(error && error.stack || error) });
  } finally {
    if (db) await db.close().catch(() => undefined);
  }
});
`;

type Reply = { id: number; result?: ApplyResult; failure?: string };

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, { resolve(result: ApplyResult): void; reject(error: Error): void }>();

function engine(): Worker {
  if (worker) return worker;
  const started = new Worker(workerSource, {
    eval: true,
    workerData: { pglite: require.resolve('@electric-sql/pglite') },
  });
  started.on('message', (reply: Reply) => {
    const waiting = pending.get(reply.id);
    if (!waiting) return;
    pending.delete(reply.id);
    if (reply.result) waiting.resolve(reply.result);
    else waiting.reject(new Error(`PostgreSQL (PGlite) failed: ${reply.failure}`));
    if (pending.size === 0) started.unref();
  });
  const fail = (error: Error) => {
    for (const waiting of pending.values()) waiting.reject(error);
    pending.clear();
    worker = undefined;
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`PGlite worker exited with code ${code}`)));
  worker = started;
  return started;
}

/**
 * Applies a service's migration scripts in order on a fresh in-process PostgreSQL (PGlite), then `seed.sql`.
 * Stops at the first failing script (later scripts build on it) and reports which file failed and why.
 */
export async function applyMigrations(
  folderFiles: Array<{ path: string; content: string | Buffer }>,
): Promise<ApplyResult> {
  const scripts = folderFiles
    .filter((file) => migrationPattern.test(file.path))
    .sort(
      (a, b) =>
        Number(migrationPattern.exec(a.path)![2]) - Number(migrationPattern.exec(b.path)![2]) ||
        a.path.localeCompare(b.path),
    );
  if (scripts.length === 0)
    return {
      applied: [],
      errors: [{ file: '(folder)', message: 'no migration scripts (NNN_<name>.sql) found' }],
      rowCounts: {},
    };
  const seed = folderFiles.find((file) => /(^|\/)seed\.sql$/.test(file.path));
  return applyInOrder([...scripts, ...(seed ? [seed] : [])]);
}

/** Applies scripts in the order given on a fresh PostgreSQL (PGlite), stopping at the first that fails. */
export async function applyInOrder(
  files: Array<{ path: string; content: string | Buffer }>,
): Promise<ApplyResult> {
  const ordered = files.map((file) => ({
    path: file.path,
    sql: typeof file.content === 'string' ? file.content : file.content.toString('utf8'),
  }));
  const running = engine();
  const id = nextId++;
  // Held open only while a request is in flight, so an idle worker never keeps the process alive.
  running.ref();
  return new Promise<ApplyResult>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    running.postMessage({ id, scripts: ordered });
  });
}

/** Stops the PostgreSQL worker (it restarts on the next call). */
export async function stopMigrationEngine(): Promise<void> {
  const running = worker;
  worker = undefined;
  if (running) await running.terminate();
}
