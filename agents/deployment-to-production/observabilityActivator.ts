import { z } from 'zod';
import { productOf, type AgentDefinition } from '../../core/agent';
import { newestJson } from '../../toolchain/release/productFiles';
import type { ObservabilityConfig } from '../testing-to-deployment/observabilityEngineer';

export const observabilityActivationSchema = z.object({
  version: z.string().optional(),
  target: z.string(),
  monitors: z.array(
    z.object({
      alert: z.string(),
      service: z.string(),
      endpoint: z.string().optional(),
      signal: z.string(),
      threshold: z.number(),
      active: z.boolean(),
      note: z.string(),
    }),
  ),
});
export type ObservabilityActivation = z.infer<typeof observabilityActivationSchema>;

export const observabilityActivator: AgentDefinition<ObservabilityActivation> = {
  name: 'observabilityActivator',
  role: 'Observability Engineer',
  phase: 'deployment-to-production',
  purpose:
    'Binds the alert rules of the observability configuration to the live deployment, so phase 6 measures against them.',
  uses: 'tools',
  reads: ['observability-config', 'deployment-report'],
  writes: ['observability-activation'],
  output: observabilityActivationSchema,
  async blueprint(ctx) {
    const config = await newestJson<ObservabilityConfig>(ctx, 'observability-config');
    const target = ctx.deploymentTarget();
    const current = await target.current(ctx.tenantId, productOf(ctx));
    const live = current?.status === 'live' ? current : undefined;
    return {
      version: live?.version,
      target: target.adapter,
      monitors: (config?.alerts ?? []).map((alert) => {
        const service = live?.services.find((s) => s.service === alert.service);
        return {
          alert: alert.name,
          service: alert.service,
          endpoint: service?.url,
          signal: alert.signal,
          threshold: alert.threshold,
          active: Boolean(service),
          note: !service
            ? 'the service is not live'
            : target.adapter === 'azure-container-apps'
              ? 'evaluated by Azure Monitor over Application Insights'
              : 'evaluated by the factory against probe measurements (Production to Optimization); there is no alerting daemon locally',
        };
      }),
    };
  },
  artifacts(output) {
    return [
      {
        path: 'production/observability-activation.json',
        kind: 'observability-activation',
        contentType: 'application/json',
        content: JSON.stringify(output, null, 2) + '\n',
      },
    ];
  },
};
