import { spawn, type ChildProcess } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, Pool } from 'pg';

/** pg's protocol connection, message by message (its published types cover only part of it). */
interface WireConnection extends EventEmitter {
  stream: { destroy(): void };
  connect(port: number, host: string): void;
  startup(config: { user: string; database: string }): void;
  parse(query: { text: string; name: string; types: number[] }): void;
  bind(config: { portal: string; statement: string; values: string[] }): void;
  execute(config: { portal: string; rows: number }): void;
  sync(): void;
  end(): void;
}

/**
 * The embedded database's clients share one PGlite session. Parameterised queries from many connections at once
 * (the extended query protocol, as `pg` sends them) each get their own statement's rows, transactions stay
 * isolated, and a connection that goes away gives the session back.
 */
describe('the embedded database shares its one session between connections', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'factory-pglite-'));
  let server: ChildProcess;
  let port: number;
  let pool: Pool;
  const connect = () => new Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });

  beforeAll(async () => {
    // The compiled server, as deployments start it (PGlite needs ES module loading that jest's VM lacks).
    server = spawn(
      process.execPath,
      [join(__dirname, '../../../dist/platform/deployment/embeddedPostgres.js'), dataDir],
      {
        env: { PATH: process.env.PATH, PORT: '0' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      server.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on port (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      server.once('exit', (code) => reject(new Error(`the embedded database exited (${code}): ${out}`)));
    });
    pool = new Pool({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres', max: 8 });
    await pool.query('CREATE TABLE item (id int PRIMARY KEY, label text NOT NULL)');
    await pool.query("INSERT INTO item SELECT g, 'item ' || g FROM generate_series(1, 50) g");
  }, 120_000);

  afterAll(async () => {
    await pool.end();
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers each of many concurrent parameterised queries with its own rows', async () => {
    // Statements of different shapes, and one without parameters (sent as a simple query, which drops the
    // session's unnamed statement): had one connection's Bind met another's statement, it would fail (unnamed
    // prepared statement does not exist, wrong parameter count) or return the other statement's rows.
    const asks = Array.from({ length: 800 }, (_, i) => {
      const id = (i % 50) + 1;
      switch (i % 4) {
        case 0:
          return pool
            .query<{ label: string }>('SELECT label FROM item WHERE id = $1', [id])
            .then((r) => expect(r.rows).toEqual([{ label: `item ${id}` }]));
        case 1:
          return pool
            .query<{ n: number }>('SELECT count(*)::int AS n FROM item WHERE id <= $1 AND label <> $2', [
              id,
              'x',
            ])
            .then((r) => expect(r.rows).toEqual([{ n: id }]));
        case 2:
          return pool
            .query<{ twice: number; word: string }>('SELECT $1::int * 2 AS twice, $2::text AS word', [
              id,
              `w${i}`,
            ])
            .then((r) => expect(r.rows).toEqual([{ twice: id * 2, word: `w${i}` }]));
        default:
          return pool
            .query<{ all: number }>('SELECT count(*)::int AS all FROM item')
            .then((r) => expect(r.rows).toEqual([{ all: 50 }]));
      }
    });
    await Promise.all(asks);
  }, 60_000);

  it("keeps the session for one connection's extended query until its Sync", async () => {
    // Deterministic form of what happens under load: a connection's Parse and Bind arrive apart, and another
    // connection's simple query (which drops the unnamed statement) comes in between.
    const raw = new Connection() as unknown as WireConnection;
    const events = (name: string) => new Promise<unknown>((resolve) => raw.once(name, resolve));
    const ready = events('readyForQuery');
    raw.connect(port, '127.0.0.1');
    await events('connect');
    raw.startup({ user: 'postgres', database: 'postgres' });
    await ready;
    raw.parse({ text: 'SELECT $1::int + 1 AS n', name: '', types: [] });
    const other = pool.query<{ all: number }>('SELECT count(*)::int AS all FROM item');
    await new Promise((resolve) => setTimeout(resolve, 150));
    const rows: unknown[] = [];
    const errors: unknown[] = [];
    raw.on('dataRow', (message: { fields: unknown[] }) => rows.push(message.fields.map(String)));
    raw.on('errorMessage', (message: { code: string; message: string }) => errors.push(message));
    const done = events('readyForQuery');
    raw.bind({ portal: '', statement: '', values: ['6'] });
    raw.execute({ portal: '', rows: 0 });
    raw.sync();
    await done;
    raw.end();
    expect({ rows, errors }).toEqual({ rows: [['7']], errors: [] });
    expect((await other).rows).toEqual([{ all: 50 }]);
  });

  it('gives the session back when a connection goes away in the middle of an extended query', async () => {
    const raw = new Connection() as unknown as WireConnection;
    raw.on('error', () => undefined);
    const ready = new Promise((resolve) => raw.once('readyForQuery', resolve));
    raw.connect(port, '127.0.0.1');
    await new Promise((resolve) => raw.once('connect', resolve));
    raw.startup({ user: 'postgres', database: 'postgres' });
    await ready;
    raw.parse({ text: 'SELECT $1::int AS n', name: '', types: [] });
    const other = pool.query<{ label: string }>('SELECT label FROM item WHERE id = $1', [4]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    raw.stream.destroy();
    expect((await other).rows).toEqual([{ label: 'item 4' }]);
  });

  it('keeps a transaction to its connection until it commits', async () => {
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('UPDATE item SET label = $1 WHERE id = 1', ['changed']);
      // Another connection's read waits for the transaction instead of running inside it.
      let read: string | undefined;
      const reader = pool
        .query<{ label: string }>('SELECT label FROM item WHERE id = $1', [1])
        .then((r) => (read = r.rows[0].label));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(read).toBeUndefined();
      await writer.query('ROLLBACK');
      await reader;
      expect(read).toBe('item 1');
    } finally {
      writer.release();
    }
  });

  it('rolls back what a connection that went away left open, and serves the others on', async () => {
    const leaving = connect();
    await leaving.connect();
    await leaving.query('BEGIN');
    await leaving.query('DELETE FROM item WHERE id = $1', [2]);
    const waiting = pool.query<{ n: number }>('SELECT count(*)::int AS n FROM item');
    // The socket closes without a Terminate, as when a process dies.
    (leaving as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    leaving.on('error', () => undefined);
    expect((await waiting).rows).toEqual([{ n: 50 }]);
    expect((await pool.query('SELECT count(*)::int AS n FROM item')).rows).toEqual([{ n: 50 }]);
  });

  it('fails a bad statement alone', async () => {
    const results = await Promise.allSettled([
      pool.query('SELECT no_such_column FROM item WHERE id = $1', [1]),
      pool.query<{ label: string }>('SELECT label FROM item WHERE id = $1', [3]),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { code: '42703' } });
    expect(results[1]).toMatchObject({ status: 'fulfilled', value: { rows: [{ label: 'item 3' }] } });
  });

  it('refuses connections beyond its limit with PostgreSQL’s too_many_connections', async () => {
    const held = await Promise.all(Array.from({ length: 32 - pool.totalCount }, () => connect()));
    try {
      await Promise.all(held.map((client) => client.connect()));
      const extra = connect();
      await expect(extra.connect()).rejects.toMatchObject({ code: '53300' });
    } finally {
      await Promise.all(held.map((client) => client.end()));
    }
  });
});
