import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { newestJson } from '../../toolchain/release/productFiles';
import type { ProvisioningPlan } from '../testing-to-deployment/cloudProvisioner';
import type { CustomerInsights } from './customerSuccess';
import type { PerformanceReport } from './productionObserver';

/**
 * Approximate monthly pay-as-you-go list prices (USD, East US, 2024) used to compare options, not to bill:
 * a container app replica of 0.5 vCPU / 1 GiB always on; PostgreSQL Flexible Server compute by SKU (zone-
 * redundant HA doubles it) plus 32 GB storage; Basic registry; Standard Service Bus base charge; Log Analytics
 * at 1 GB ingested per service per month. Everything else in the plan (identities, role assignments, topics,
 * databases, firewall rules, the consumption environment) has no charge of its own.
 */
export const listPrices = {
  containerAppReplica: 39,
  postgres: {
    Standard_B1ms: 12.41,
    Standard_B2s: 49.64,
    Standard_D2ds_v5: 125.56,
    Standard_D4ds_v5: 251.12,
  } as Record<string, number>,
  postgresStorage32: 3.68,
  registryBasic: 5,
  serviceBusStandard: 9.81,
  logAnalyticsPerGb: 2.3,
};

export const costReportSchema = z.object({
  currency: z.literal('USD'),
  basis: z.string(),
  environments: z.array(
    z.object({
      name: z.string(),
      lines: z.array(z.object({ resource: z.string(), detail: z.string(), monthly: z.number() })),
      monthlyTotal: z.number(),
    }),
  ),
  recommendations: z.array(
    z.object({
      environment: z.string(),
      resource: z.string(),
      change: z.string(),
      monthlySaving: z.number(),
      rationale: z.string(),
    }),
  ),
});
export type CostReport = z.infer<typeof costReportSchema>;

/** Below this many logged user requests, General Purpose database compute is not justified yet. */
const lowDemandRequests = 10_000;
const round = (n: number) => Math.round(n * 100) / 100;
const num = (v: string | undefined, fallback: number) =>
  v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;

export const costOptimizer: AgentDefinition<CostReport> = {
  name: 'costOptimizer',
  role: 'Platform Cost Optimization',
  phase: 'production-to-optimization',
  purpose:
    "Models the monthly cost of the product's Azure resources per environment from the provisioning plan and recommends right-sizing from the measured load and the user demand.",
  uses: 'model',
  deployment: 'simple',
  reads: ['provisioning-plan', 'performance-report', 'customer-insights'],
  writes: ['cost-report'],
  output: costReportSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are Platform Cost Optimization. Estimate the monthly cost of each planned resource per environment from list prices, then recommend right-sizing (SKU, replicas, high availability) justified by the measured utilisation; state the saving of each recommendation.',
    user: 'Provisioning plan:\n{{provisioning-plan}}\n\nPerformance:\n{{performance-report}}',
  },
  async blueprint(ctx) {
    const plan = await newestJson<ProvisioningPlan>(ctx, 'provisioning-plan');
    if (!plan)
      throw new Error(
        'no provisioning-plan was given: the Cloud Provisioner of Testing to Deployment writes it',
      );
    const perf = await newestJson<PerformanceReport>(ctx, 'performance-report');
    const services = plan.services.length;
    const busiest = perf?.measured
      ? Math.max(0, ...perf.services.map((s) => s.resources?.cpuPercent ?? 0))
      : undefined;
    // Demand is what users sent (requests in the service logs), not the probe: the probe measures capacity.
    const insights = await newestJson<CustomerInsights>(ctx, 'customer-insights');
    const demand = insights?.activity.requestsLogged;
    const recommendations: CostReport['recommendations'] = [];
    const environments = plan.environments.map((env) => {
      const lines: CostReport['environments'][number]['lines'] = [];
      for (const r of env.resources.filter((x) => x.action !== 'Reference existing')) {
        if (r.type === 'Microsoft.App/containerApps') {
          const replicas = num(r.settings.minReplicas, 0);
          lines.push({
            resource: r.type,
            detail: `${r.count} app(s) x ${replicas} always-on replica(s)`,
            monthly: round(r.count * replicas * listPrices.containerAppReplica),
          });
          if (replicas > 1 && busiest !== undefined && busiest < 25)
            recommendations.push({
              environment: env.name,
              resource: r.type,
              change: `minReplicas ${replicas} -> 1`,
              monthlySaving: round(r.count * (replicas - 1) * listPrices.containerAppReplica),
              rationale: `busiest service used ${busiest}% CPU under probe load; one warm replica with scale rules suffices`,
            });
        } else if (r.type === 'Microsoft.DBforPostgreSQL/flexibleServers') {
          const sku = r.settings.postgresSku ?? 'Standard_B1ms';
          const ha = r.settings.postgresHighAvailability === 'true';
          const compute = (listPrices.postgres[sku] ?? listPrices.postgres.Standard_B1ms) * (ha ? 2 : 1);
          lines.push({
            resource: r.type,
            detail: `${sku}${ha ? ' with zone-redundant HA' : ''}`,
            monthly: round(compute + listPrices.postgresStorage32),
          });
          if (sku.startsWith('Standard_D') && demand !== undefined && demand < lowDemandRequests) {
            const smaller = listPrices.postgres.Standard_B2s * (ha ? 2 : 1);
            recommendations.push({
              environment: env.name,
              resource: r.type,
              change: `${sku} -> Standard_B2s (Burstable)`,
              monthlySaving: round(compute - smaller),
              rationale: `${demand} user request(s) in the service logs since the deployment: General Purpose compute waits idle at this demand. Scale back up when traffic grows.`,
            });
          }
        } else if (r.type === 'Microsoft.ContainerRegistry/registries')
          lines.push({ resource: r.type, detail: 'Basic', monthly: listPrices.registryBasic });
        else if (r.type === 'Microsoft.ServiceBus/namespaces')
          lines.push({
            resource: r.type,
            detail: 'Standard base charge',
            monthly: listPrices.serviceBusStandard,
          });
        else if (r.type === 'Microsoft.OperationalInsights/workspaces') {
          lines.push({
            resource: r.type,
            detail: `~1 GB/month per service, retention ${r.settings.logRetentionDays ?? 'default'} days`,
            monthly: round(services * listPrices.logAnalyticsPerGb),
          });
        }
      }
      return { name: env.name, lines, monthlyTotal: round(lines.reduce((sum, l) => sum + l.monthly, 0)) };
    });
    return {
      currency: 'USD',
      basis: 'approximate pay-as-you-go list prices (East US); compare options with it, do not bill with it',
      environments,
      recommendations,
    };
  },
  artifacts(output) {
    return [
      {
        path: 'optimization/cost-report.json',
        kind: 'cost-report',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
