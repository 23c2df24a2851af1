import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { compileService } from '../../toolchain/backend/compileService';
import { driverTargets, runChaos } from '../../toolchain/testing/drive';
import { loadServices } from '../../toolchain/testing/services';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

export const chaosTestSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      experiments: z.array(
        z.object({
          name: z.string(),
          category: z.enum(['malformed-request', 'repository', 'process']),
          survived: z.boolean(),
          observations: z.array(z.string()),
        }),
      ),
      survived: z.number().int(),
      total: z.number().int(),
      error: z.string().optional(),
    }),
  ),
});

export type ChaosTestReport = z.infer<typeof chaosTestSchema>;

export const chaosEngineer: AgentDefinition<ChaosTestReport> = {
  name: 'chaosEngineer',
  role: 'Resiliency & Chaos Engineer',
  phase: 'development-to-testing',
  purpose:
    'Injects faults into each running service (malformed requests, slow and failing repository, kill and restart) and reports what it survived.',
  uses: 'tools',
  reads: ['service-source', 'domain-model', 'openapi'],
  writes: ['chaos-test'],
  output: chaosTestSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const services: ChaosTestReport['services'] = [];
    for (const service of await loadServices(ctx)) {
      const { outDir } = compileService(service.files, { emit: true });
      if (!outDir) {
        services.push({
          service: service.slug,
          experiments: [],
          survived: 0,
          total: 0,
          error: 'the service does not compile',
        });
        continue;
      }
      const { experiments, error } = await runChaos(
        ctx.sandbox(),
        outDir,
        driverTargets(model, service.slug),
      );
      services.push({
        service: service.slug,
        experiments,
        survived: experiments.filter((e) => e.survived).length,
        total: experiments.length,
        error,
      });
    }
    return { services };
  },
  artifacts(output) {
    return output.services.map((service) => ({
      path: `testing/chaos/${service.service}.json`,
      kind: 'chaos-test',
      contentType: 'application/json',
      content: JSON.stringify(service, null, 2) + '\n',
    }));
  },
};
