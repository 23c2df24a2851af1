import type { AgentContext } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { applyMigrations } from './applyMigrations';

/** Written into a database's folder when the migration to the next version is refused, one reason each. */
export const refusalsFile = 'refusals.json';

/**
 * Gate criterion: every service's migrations (artifacts of kind `migration`) apply in order on a fresh
 * PostgreSQL (PGlite) and the seed loads, and no database's move to this version was refused (it would lose data or
 * leave rows written before without a value). Value = folders that applied cleanly, threshold = all of them.
 */
export async function migrationsApplyCriterion(ctx: AgentContext): Promise<GateCriterion> {
  const folders = ctx.inputs('migration');
  const findings: string[] = [];
  let clean = 0;
  let refusals = 0;
  for (const input of folders) {
    const index = await input.json<{ folder: string }>();
    const files = await ctx.readFolder(input.ref);
    const refused = files.find((file) => file.path === refusalsFile);
    if (refused) {
      for (const reason of JSON.parse(refused.content.toString('utf8')) as string[]) {
        findings.push(`${index.folder}: the migration to this version ${reason}`);
        refusals += 1;
      }
      continue;
    }
    const result = await applyMigrations(files);
    if (result.errors.length === 0) clean += 1;
    for (const error of result.errors) {
      findings.push(
        `${index.folder}/${error.file}${error.line ? ` line ${error.line}` : ''}: ${error.message}${error.code ? ` (SQLSTATE ${error.code})` : ''}; fix this script so the migrations apply in order on an empty database`,
      );
    }
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
    // The same change asks for the same refused migration however often the phase runs again.
    ...(refusals ? { final: true } : {}),
  };
}
