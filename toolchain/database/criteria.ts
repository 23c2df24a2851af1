import type { AgentContext } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { applyInOrder, applyMigrations, migrationPattern, type MigrationError } from './applyMigrations';

/** Written into a database's folder when the migration to the next version is refused, one reason each. */
export const refusalsFile = 'refusals.json';

/** What each database of the release before applied (`previousRelease` of the agents). */
export interface ReleasedMigrations {
  migrations(folder: string): Promise<Array<{ path: string; content: string }>>;
}

/**
 * A database's move to this version over rows the release before wrote (its seed data): the scripts that release
 * applied, its seed, then this version's new scripts. A conversion or constraint that only rows can break fails
 * here instead of at deployment.
 */
async function upgradeErrors(
  released: Array<{ path: string; content: string }>,
  files: Array<{ path: string; content: Buffer }>,
): Promise<MigrationError[]> {
  const applied = released.filter((file) => migrationPattern.test(file.path));
  const seed = released.find((file) => file.path === 'seed.sql');
  const added = files.filter(
    (file) => migrationPattern.test(file.path) && !applied.some((old) => old.path === file.path),
  );
  if (!applied.length || !seed || !added.length) return [];
  const order = (path: string) => Number(migrationPattern.exec(path)![2]);
  const sorted = <T extends { path: string }>(list: T[]) =>
    [...list].sort((a, b) => order(a.path) - order(b.path) || a.path.localeCompare(b.path));
  const result = await applyInOrder([
    ...sorted(applied),
    { path: 'seed.sql of the release before', content: seed.content },
    ...sorted(added),
  ]);
  return result.errors;
}

/**
 * Gate criterion: every service's migrations (artifacts of kind `migration`) apply in order on a fresh
 * PostgreSQL (PGlite) and the seed loads; a database that follows a release also moves to this version over that
 * release's rows; and no database's move to this version was refused (it would lose data or leave rows written
 * before without a value). Value = folders that applied cleanly, threshold = all of them.
 */
export async function migrationsApplyCriterion(
  ctx: AgentContext,
  previous?: ReleasedMigrations,
): Promise<GateCriterion> {
  const folders = ctx.inputs('migration');
  const findings: string[] = [];
  let clean = 0;
  let unfixable = 0;
  for (const input of folders) {
    const index = await input.json<{ folder: string }>();
    const files = await ctx.readFolder(input.ref);
    const refused = files.find((file) => file.path === refusalsFile);
    if (refused) {
      for (const reason of JSON.parse(refused.content.toString('utf8')) as string[]) {
        findings.push(`${index.folder}: the migration to this version ${reason}`);
        unfixable += 1;
      }
      continue;
    }
    const result = await applyMigrations(files);
    const where = (error: MigrationError) =>
      `${index.folder}/${error.file}${error.line ? ` line ${error.line}` : ''}: ${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}`;
    for (const error of result.errors)
      findings.push(`${where(error)}; fix this script so the migrations apply in order on an empty database`);
    const upgrade =
      result.errors.length || !previous
        ? []
        : await upgradeErrors(await previous.migrations(index.folder), files);
    unfixable += upgrade.length;
    for (const error of upgrade)
      findings.push(
        `${where(error)}, applied over the rows of the release before (its seed data): the move to this version fails on data people wrote, and a deployment would stop there; change what the request asks of that data`,
      );
    if (result.errors.length === 0 && upgrade.length === 0) clean += 1;
  }
  if (folders.length === 0)
    findings.push(
      'no migration folders were produced: the Database Architect must write db/<context-slug>/ for every service',
    );
  return {
    name: 'migrations apply on PostgreSQL',
    value: clean,
    threshold: folders.length || 1,
    passed: folders.length > 0 && clean === folders.length,
    findings,
    // The same change asks for the same refused (or failing) migration however often the phase runs again.
    ...(unfixable ? { final: true } : {}),
  };
}
