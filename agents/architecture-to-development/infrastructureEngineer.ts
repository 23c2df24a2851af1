import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { feedbackFor } from '../blueprint/clients/inputs';
import { generateProductInfrastructure } from '../blueprint/infrastructure/productBicep';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

const outputSchema = z.object({
  folder: z.literal('infra'),
  services: z.array(z.string()).min(1),
  files: z.array(z.object({ path: z.string(), content: z.string() })).min(1),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), action: z.string() })),
});

export const infrastructureEngineer: AgentDefinition<z.infer<typeof outputSchema>> = {
  name: 'infrastructureEngineer',
  role: 'Infrastructure Engineer',
  phase: 'architecture-to-development',
  purpose:
    "Writes the product's Bicep: container hosting per service, PostgreSQL with a database per service, Service Bus for domain events, monitoring and a keyless identity.",
  uses: 'compiler',
  reads: ['domain-model', 'development-plan'],
  writes: ['product-bicep'],
  output: outputSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const relevant = feedbackFor(ctx.feedback, 'infra');
    const infra = generateProductInfrastructure(model, { feedback: relevant });
    return {
      folder: 'infra',
      services: infra.services,
      files: infra.files,
      // The templates are fixed; a compile finding is recorded in infra/README.md for the reviewer, not fixed here.
      feedbackAddressed: relevant.map((feedback) => ({
        feedback,
        action:
          'Recorded in infra/README.md; the templates were regenerated unchanged from the domain model.',
      })),
    };
  },
  artifacts(output) {
    return [{ folder: output.folder, kind: 'product-bicep', files: output.files }];
  },
};
