import { z } from 'zod';

export const checkResultSchema = z.object({
  service: z.string(),
  name: z.string(),
  url: z.string(),
  status: z.number().optional(),
  passed: z.boolean(),
  durationMs: z.number(),
  error: z.string().optional(),
  /** Why the check could not be made (it does not fail the stage). */
  skipped: z.string().optional(),
});

export const deployedServiceSchema = z.object({
  service: z.string(),
  url: z.string(),
  port: z.number().optional(),
  pid: z.number().optional(),
});

export const deploymentOutcomeSchema = z.object({
  adapter: z.string(),
  version: z.string(),
  status: z.enum(['deployed', 'rolled-back', 'failed']),
  previousVersion: z.string().optional(),
  services: z.array(deployedServiceSchema),
  /** The web app (its PWA at `<web>app/`, the APIs at `<web>api/<service>/`), when the product has one. */
  web: z.string().optional(),
  steps: z.array(
    z.object({
      name: z.string(),
      startedAt: z.string(),
      durationMs: z.number(),
      ok: z.boolean(),
      detail: z.string(),
    }),
  ),
  health: z.array(checkResultSchema),
  smoke: z.array(checkResultSchema),
  rollback: z.object({ reason: z.string(), restored: z.string().optional(), detail: z.string() }).optional(),
});

export const deploymentReportSchema = deploymentOutcomeSchema.extend({
  runId: z.string(),
  /** Where `factory status` finds the live URLs (local target). */
  routingFile: z.string().optional(),
});
export type DeploymentReport = z.infer<typeof deploymentReportSchema>;

export function renderDeploymentReport(title: string, r: DeploymentReport): string {
  return [
    `# ${title}: ${r.version} ${r.status}`,
    '',
    `Target: ${r.adapter}.${r.previousVersion ? ` Previous version: ${r.previousVersion}.` : ''}${r.routingFile ? ` Routing entry: ${r.routingFile}.` : ''}`,
    '',
    ...(r.web
      ? [`Web app: ${r.web} (installable app at ${r.web}app/, APIs under ${r.web}api/<service>/).`, '']
      : []),
    '## Services',
    '',
    ...r.services.map((s) => `- ${s.service}: ${s.url}`),
    '',
    '## Steps',
    '',
    '| step | ok | ms | detail |',
    '| --- | --- | --- | --- |',
    ...r.steps.map(
      (s) => `| ${s.name} | ${s.ok ? 'yes' : 'NO'} | ${s.durationMs} | ${s.detail.replace(/\|/g, '/')} |`,
    ),
    '',
    '## Checks',
    '',
    ...[...r.health, ...r.smoke].map(
      (c) =>
        `- ${c.passed ? 'pass' : 'FAIL'} ${c.service} ${c.name}: ${c.status ?? c.error ?? ''} (${c.durationMs} ms)`,
    ),
    ...(r.rollback ? ['', '## Rollback', '', `Reason: ${r.rollback.reason}`, '', r.rollback.detail] : []),
    '',
  ].join('\n');
}
