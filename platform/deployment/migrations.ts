import { inOrder, type MigrationScript } from '../../kit/service/src/infrastructure/postgresMigrations';

export { applyPendingMigrations } from '../../kit/service/src/infrastructure/postgresMigrations';

/** The package's migration scripts of one service (`db/<service>/NNN_<name>.sql`), in the order they apply. */
export function migrationScripts(
  entries: Array<{ path: string; content: Buffer }>,
  service: string,
): MigrationScript[] {
  const prefix = `db/${service}/`;
  return inOrder(
    entries
      .filter((e) => e.path.startsWith(prefix) && !e.path.slice(prefix.length).includes('/'))
      .map((e) => ({ name: e.path.slice(prefix.length), sql: e.content.toString('utf8') })),
  );
}
