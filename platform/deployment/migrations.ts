import { createHash } from 'node:crypto';
import { Client } from 'pg';

/** A migration script of the release package: `NNN_<name>.sql` of `db/<service>/`. */
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

/** The package's migration scripts of one service, in the order they apply. */
export function migrationScripts(
  entries: Array<{ path: string; content: Buffer }>,
  service: string,
): MigrationScript[] {
  const prefix = `db/${service}/`;
  return entries
    .filter((e) => e.path.startsWith(prefix) && scriptPattern.test(e.path.slice(prefix.length)))
    .map((e) => ({ name: e.path.slice(prefix.length), sql: e.content.toString('utf8') }))
    .sort(
      (a, b) =>
        Number(scriptPattern.exec(a.name)![1]) - Number(scriptPattern.exec(b.name)![1]) ||
        a.name.localeCompare(b.name),
    );
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Applies the scripts a database has not had yet, each in its own transaction together with its entry in
 * `schema_migrations`, under an advisory lock so two deployments never migrate at once. A script that was
 * applied and has changed since is refused: the schema holds data written under the old one, and only a new
 * script may change it.
 */
export async function applyPendingMigrations(
  connectionString: string,
  scripts: MigrationScript[],
): Promise<MigrationOutcome> {
  const client = new Client({ connectionString, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    await client.query('SELECT pg_advisory_lock(7410139)');
    try {
      const done = new Map(
        (
          await client.query<{ name: string; sha256: string }>('SELECT name, sha256 FROM schema_migrations')
        ).rows.map((row) => [row.name, row.sha256]),
      );
      const changed = scripts.filter((s) => done.has(s.name) && done.get(s.name) !== sha256(s.sql));
      if (changed.length > 0)
        throw new Error(
          `migration ${changed.map((s) => s.name).join(', ')} changed after it was applied; the data was written under the old schema, so a change needs a new script`,
        );
      const applied: string[] = [];
      for (const script of scripts.filter((s) => !done.has(s.name))) {
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
          throw new Error(`${script.name}: ${(error as Error).message}`);
        }
        applied.push(script.name);
      }
      return { applied, unchanged: scripts.length - applied.length };
    } finally {
      await client.query('SELECT pg_advisory_unlock(7410139)').catch(() => undefined);
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}
