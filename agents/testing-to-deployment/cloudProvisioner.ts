import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { compileBicep } from '../../toolchain/infrastructure/compileBicep';
import { bicepModules, bicepParams, bicepResources, paramString } from '../blueprint/release/bicepModel';
import { loadProductFiles, serviceSlugs } from '../../toolchain/release/productFiles';
import { markdownAndJson } from '../runtime/reportFiles';

const plannedResource = z.object({
  type: z.string(),
  symbol: z.string(),
  module: z.string(),
  apiVersion: z.string(),
  count: z.number(),
  action: z.enum(['Create', 'Create if enabled', 'Reference existing']),
  settings: z.record(z.string(), z.string()),
});

export const provisioningPlanSchema = z.object({
  services: z.array(z.string()),
  environments: z.array(
    z.object({
      name: z.string(),
      parameters: z.record(z.string(), z.string()),
      resources: z.array(plannedResource),
      totals: z.record(z.string(), z.number()),
    }),
  ),
  compile: z.object({
    status: z.enum(['compiled', 'failed', 'skipped']),
    detail: z.string(),
    errors: z.array(z.string()),
  }),
});
export type ProvisioningPlan = z.infer<typeof provisioningPlanSchema>;

/** Which environment parameters shape a resource type (so the plan shows its size per environment). */
const shapedBy: Record<string, string[]> = {
  'Microsoft.App/containerApps': ['minReplicas', 'maxReplicas', 'imageTag'],
  'Microsoft.DBforPostgreSQL/flexibleServers': ['postgresTier', 'postgresSku', 'postgresHighAvailability'],
  'Microsoft.OperationalInsights/workspaces': ['logRetentionDays'],
};

export const cloudProvisioner: AgentDefinition<ProvisioningPlan> = {
  name: 'cloudProvisioner',
  role: 'Cloud Provisioner',
  phase: 'testing-to-deployment',
  purpose:
    'Plans the Azure resources the product Bicep creates per environment (a what-if-like report) and compiles the Bicep when a CLI is available.',
  uses: 'compiler',
  reads: ['product-bicep', 'service-source'],
  writes: ['provisioning-plan'],
  output: provisioningPlanSchema,
  async blueprint(ctx) {
    const all = await loadProductFiles(ctx);
    const infra = all
      .filter((f) => f.path.startsWith('infra/'))
      .map((f) => ({ path: f.path.slice('infra/'.length), content: f.content }));
    if (!infra.some((f) => f.path === 'main.bicep'))
      throw new Error('the product has no infra/main.bicep: Architecture to Development writes it');
    const services = serviceSlugs(all);
    const main = infra.find((f) => f.path === 'main.bicep')!.content.toString();
    const modules = bicepModules(main);
    const resources = bicepResources(infra);
    const paramFiles = infra.filter((f) => /^main\.[\w-]+\.bicepparam$/.test(f.path));
    const environments = paramFiles.map((file) => {
      const name = /^main\.([\w-]+)\.bicepparam$/.exec(file.path)![1];
      const parameters = bicepParams(file.content.toString());
      const planned = resources.map((r) => {
        const module = modules.find((m) => m.path === r.file);
        const perService = Boolean(module?.loop) || r.loop;
        const settings = Object.fromEntries(
          (shapedBy[r.type] ?? []).map((p) => [p, paramString(parameters, p) ?? '(template default)']),
        );
        return {
          type: r.type,
          symbol: r.symbol,
          module: r.file,
          apiVersion: r.apiVersion,
          count: perService ? services.length : 1,
          action: r.existing
            ? ('Reference existing' as const)
            : r.conditional
              ? ('Create if enabled' as const)
              : ('Create' as const),
          settings,
        };
      });
      const totals: Record<string, number> = {};
      for (const r of planned)
        if (r.action !== 'Reference existing') totals[r.type] = (totals[r.type] ?? 0) + r.count;
      return { name, parameters, resources: planned, totals };
    });
    const compiled = await compileBicep(infra);
    const compile = compiled.skipped
      ? { status: 'skipped' as const, detail: compiled.reason, errors: [] }
      : {
          status: compiled.ok ? ('compiled' as const) : ('failed' as const),
          detail: `${compiled.bicepPath}: ${compiled.compiled.join(', ')}`,
          errors: compiled.diagnostics
            .filter((d) => d.level === 'Error')
            .map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`),
        };
    return { services, environments, compile };
  },
  artifacts(plan) {
    const md = [
      '# Provisioning plan',
      '',
      `Bicep compile: **${plan.compile.status}** (${plan.compile.detail})`,
      ...plan.compile.errors.map((e) => `- ${e}`),
      '',
      ...plan.environments.flatMap((env) => [
        `## ${env.name}`,
        '',
        '| action | resource type | count | module | settings |',
        '| --- | --- | --- | --- | --- |',
        ...env.resources.map(
          (r) =>
            `| ${r.action} | ${r.type} | ${r.count} | ${r.module} | ${Object.entries(r.settings)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')} |`,
        ),
        '',
      ]),
    ].join('\n');
    return markdownAndJson('provisioning/plan', 'provisioning-plan', md, plan);
  },
};
