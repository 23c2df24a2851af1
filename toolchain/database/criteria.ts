import type { AgentContext } from '../../core/agent';
import type { GateCriterion } from '../../core/gate';
import { applyMigrations } from './applyMigrations';

/**
 * Gate criterion: every service's migrations (artifacts of kind `migration`) apply in order on a fresh
 * PostgreSQL (PGlite) and the seed loads. Value = folders that applied cleanly, threshold = all of them.
 */
export async function migrationsApplyCriterion(ctx: AgentContext): Promise<GateCriterion> {
  const folders = ctx.inputs('migration');
  const findings: string[] = [];
  let clean = 0;
  for (const input of folders) {
    const index = await input.json<{ folder: string }>();
    const files = await ctx.readFolder(input.ref);
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
  };
}
