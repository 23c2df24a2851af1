import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { bicepResources } from '../blueprint/release/bicepModel';
import { loadProductFiles, productKinds } from '../../toolchain/release/productFiles';
import {
  accessControl,
  bicepRules,
  dependencyInventory,
  scanSecrets,
} from '../blueprint/release/securityRules';
import { markdownAndJson } from '../runtime/reportFiles';

const finding = z.object({
  rule: z.string(),
  severity: z.enum(['high', 'medium', 'low']),
  file: z.string(),
  line: z.number().optional(),
  message: z.string(),
});

export const securityReportSchema = z.object({
  filesScanned: z.number(),
  secrets: z.array(finding),
  dependencies: z.object({
    entries: z.array(
      z.object({
        service: z.string(),
        dependencies: z.record(z.string(), z.string()),
        devDependencies: z.record(z.string(), z.string()),
      }),
    ),
    findings: z.array(finding),
  }),
  infrastructure: z.array(finding),
  accessControl: z.object({
    assignments: z.array(z.object({ file: z.string(), symbol: z.string(), roles: z.array(z.string()) })),
    findings: z.array(finding),
  }),
  summary: z.object({ high: z.number(), medium: z.number(), low: z.number() }),
});
export type SecurityReport = z.infer<typeof securityReportSchema>;

export const securityEngineer: AgentDefinition<SecurityReport> = {
  name: 'securityEngineer',
  role: 'Security Engineer',
  phase: 'testing-to-deployment',
  purpose:
    "Scans the product for committed secrets, inventories each service's dependencies, checks the Bicep against platform security rules and reviews role assignments.",
  uses: 'tools',
  reads: [...productKinds, 'pipeline'],
  writes: ['security-report'],
  output: securityReportSchema,
  async blueprint(ctx) {
    const files = await loadProductFiles(ctx);
    const pipeline = ctx.inputs('pipeline').filter((i) => i.ref.path.endsWith('.yml'));
    const scanned = [
      ...files,
      ...(pipeline.length
        ? [{ path: 'azure-pipelines.yml', content: Buffer.from(await pipeline[pipeline.length - 1].text()) }]
        : []),
    ];
    const secrets = scanSecrets(scanned);
    const dependencies = dependencyInventory(files);
    const infra = files
      .filter((f) => f.path.startsWith('infra/'))
      .map((f) => ({ path: f.path.slice('infra/'.length), content: f.content }));
    const resources = bicepResources(infra);
    const infrastructure = bicepRules(resources);
    const access = accessControl(resources, files);
    const all = [...secrets.findings, ...dependencies.findings, ...infrastructure, ...access.findings];
    const count = (s: string) => all.filter((f) => f.severity === s).length;
    return {
      filesScanned: secrets.scanned,
      secrets: secrets.findings,
      dependencies,
      infrastructure,
      accessControl: access,
      summary: { high: count('high'), medium: count('medium'), low: count('low') },
    };
  },
  artifacts(report) {
    const all = [
      ...report.secrets,
      ...report.dependencies.findings,
      ...report.infrastructure,
      ...report.accessControl.findings,
    ];
    const md = [
      '# Security report',
      '',
      `${report.filesScanned} files scanned: ${report.summary.high} high, ${report.summary.medium} medium, ${report.summary.low} low.`,
      '',
      '| severity | rule | where | finding |',
      '| --- | --- | --- | --- |',
      ...all.map(
        (f) => `| ${f.severity} | ${f.rule} | ${f.file}${f.line ? `:${f.line}` : ''} | ${f.message} |`,
      ),
      '',
      '## Dependencies',
      '',
      ...report.dependencies.entries.map(
        (e) =>
          `- ${e.service}: runtime ${Object.keys(e.dependencies).length}, build ${Object.keys(e.devDependencies).join(', ') || 'none'}`,
      ),
      '',
      '## Role assignments',
      '',
      ...report.accessControl.assignments.map((a) => `- ${a.file} ${a.symbol}: ${a.roles.join(', ')}`),
    ].join('\n');
    return markdownAndJson('security/report', 'security-report', md + '\n', report);
  },
};
