import { AsyncLocalStorage } from 'node:async_hooks';
import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import type { UnitOfWork } from '../application/ports';
import { ConflictError } from '../domain/errors';
import { RepositoryUnavailableError } from './faultyRepository';

/** One entity's table: its name and the column of each field. */
export interface TableMapping {
  table: string;
  columns: Record<string, string>;
}

/** A quoted SQL identifier (names come from the model, but never unquoted into SQL). */
export const sqlName = (name: string) => '"' + name.replace(/"/g, '""') + '"';

/**
 * Values come back as the API shows them: dates as `YYYY-MM-DD`, timestamps as ISO strings, money (numeric) as
 * the decimal string PostgreSQL gives (`19.90`, exact), counts (bigint) as numbers.
 */
function typeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === types.builtins.DATE) return (value) => value;
  if (oid === types.builtins.TIMESTAMPTZ || oid === types.builtins.TIMESTAMP) {
    const parse = types.getTypeParser(oid, 'text') as (value: string) => Date;
    return (value) => parse(value).toISOString();
  }
  if (oid === types.builtins.INT8) return (value) => Number(value);
  return types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

/** SQLSTATEs after which the whole unit runs again: serialization failure and deadlock. */
const retried = new Set(['40001', '40P01']);
const maxAttempts = 8;

/**
 * A random wait that doubles with each attempt (at most about 1.3 s before the last): units that lost the same race
 * and ran again at once would meet again, and under load one of them could lose every time.
 */
const backoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * 2 ** attempt));

const code = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** A failure to reach the database becomes a 503; a broken constraint a 409; anything else stays a 500. */
function translate(error: unknown, operation: string): unknown {
  const state = code(error);
  // Not a SQLSTATE: the connection failed (refused, reset, ended) before PostgreSQL could answer.
  if (typeof state !== 'string' || !/^[0-9A-Z]{5}$/.test(state))
    return new RepositoryUnavailableError(operation);
  // Connection exceptions, operator intervention (shutdown), insufficient resources.
  if (/^(08|57|53)/.test(state)) return new RepositoryUnavailableError(operation);
  if (state === '23505') return new ConflictError('a record with the same unique value already exists');
  if (state === '23503') return new ConflictError('the record refers to a record that does not exist');
  return error;
}

/**
 * The service's PostgreSQL database: a connection pool, and units of work that are SERIALIZABLE transactions,
 * so that a rule checked by reading (a count limit, no overlap) still holds when the write commits. A unit that
 * loses a serialization race runs again from the start. Queries inside a unit use its connection.
 */
export class PostgresDatabase implements UnitOfWork {
  private readonly pool: Pool;
  private readonly unit = new AsyncLocalStorage<PoolClient>();

  constructor(connection: PoolConfig, options: { maxConnections?: number } = {}) {
    this.pool = new Pool({
      ...connection,
      max: options.maxConnections ?? 10,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 5_000,
      types: { getTypeParser: typeParser as never },
    });
    // An idle connection the server closed is dropped from the pool; the next query opens another.
    this.pool.on('error', () => undefined);
  }

  async query<R extends Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = this.unit.getStore();
    try {
      return (await (client ?? this.pool).query<R>(text, values)).rows;
    } catch (error) {
      throw translate(error, text.split(' ')[0].toLowerCase());
    }
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.unit.getStore()) return work();
    for (let attempt = 1; ; attempt++) {
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch {
        throw new RepositoryUnavailableError('connect');
      }
      try {
        await client.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
        const result = await this.unit.run(client, work);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const state = code(error);
        if (typeof state !== 'string' || !retried.has(state) || attempt >= maxAttempts) throw error;
      } finally {
        client.release();
      }
      await backoff(attempt);
    }
  }

  /**
   * Refuses to start on a schema that does not fit the code: every mapped column must exist, and every column
   * that must be filled (NOT NULL without a default) must be mapped, or every write would fail later.
   */
  async verify(mappings: TableMapping[]): Promise<void> {
    const rows = await this.query<{ table_name: string; column_name: string; required: boolean }>(
      `SELECT table_name, column_name, (is_nullable = 'NO' AND column_default IS NULL) AS required
         FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1)`,
      [mappings.map((m) => m.table)],
    );
    const problems: string[] = [];
    for (const mapping of mappings) {
      const columns = rows.filter((row) => row.table_name === mapping.table);
      if (columns.length === 0) {
        problems.push('table ' + mapping.table + ' does not exist (were the migrations applied?)');
        continue;
      }
      const mapped = new Set(Object.values(mapping.columns));
      for (const column of mapped)
        if (!columns.some((c) => c.column_name === column))
          problems.push(mapping.table + '.' + column + ' does not exist');
      for (const column of columns)
        if (column.required && !mapped.has(column.column_name))
          problems.push(mapping.table + '.' + column.column_name + ' must be filled but no field maps to it');
    }
    if (problems.length > 0)
      throw new Error('the database does not fit this service: ' + problems.join('; '));
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
