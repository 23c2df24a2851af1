import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, type ClientConfig } from 'pg';

/** A migration script: `NNN_<name>.sql`. */
export interface MigrationScript {
  name: string;
  sql: string;
}

export interface MigrationOutcome {
  applied: string[];
  /** Scripts an earlier deployment applied already. */
  unchanged: number;
}

const scriptPattern = /^(\d{3,})_[^/]*\.sql$/;

/** Scripts in the order they apply: by number, then by name. */
export function inOrder(scripts: MigrationScript[]): MigrationScript[] {
  const number = (s: MigrationScript) => Number(scriptPattern.exec(s.name)![1]);
  return scripts
    .filter((s) => scriptPattern.test(s.name))
    .sort((a, b) => number(a) - number(b) || a.name.localeCompare(b.name));
}

/** The scripts of a folder (the service's image carries its `db/<service>/` as one). */
export function scriptsIn(folder: string): MigrationScript[] {
  return inOrder(
    readdirSync(folder).map((name) => ({ name, sql: readFileSync(join(folder, name), 'utf8') })),
  );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** Any number, the same in every process: the key of the advisory lock migrations hold. */
const lockKey = 7410139;

/**
 * Applies the scripts a database has not had yet, each in its own transaction together with its entry in
 * `schema_migrations`, under an advisory lock so two deployments (or replicas) never migrate at once. A script
 * that was applied and has changed since is refused: the schema holds data written under the old one, and only a
 * new script may change it.
 */
export async function applyPendingMigrations(
  connection: ClientConfig,
  scripts: MigrationScript[],
): Promise<MigrationOutcome> {
  const client = new Client({ connectionTimeoutMillis: 10_000, ...connection });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Map(
        (
          await client.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM schema_migrations')
        ).rows.map((row) => [row.name, row.sha256]),
      );
      const ordered = inOrder(scripts);
      const changed = ordered.filter((s) => done.has(s.name) && done.get(s.name) !== sha256(s.sql));
      if (changed.length > 0)
        throw new Error(
          'migration ' +
            changed.map((s) => s.name).join(', ') +
            ' changed after it was applied; the data was written under the old schema, so a change needs a new script',
        );
      const applied: string[] = [];
      for (const script of ordered.filter((s) => !done.has(s.name))) {
        await client.query('BEGIN');
        try {
          await client.query(script.sql);
          await client.query('INSERT INTO schema_migrations (name, sha256) VALUES ($1, $2)', [
            script.name,
            sha256(script.sql),
          ]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new Error(script.name + ': ' + (error as Error).message);
        }
        applied.push(script.name);
      }
      return { applied, unchanged: ordered.length - applied.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [lockKey]).catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
