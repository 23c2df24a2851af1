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
  uses: 'model',
  deployment: 'code',
  reads: ['domain-model', 'development-plan'],
  writes: ['product-bicep'],
  output: outputSchema,
  prompt: {
    version: '1.0.0',
    system: [
      'You are the Infrastructure Engineer of a software factory. Write Bicep for the generated product under infra/:',
      'main.bicep (resourceGroup scope, resource names from abbreviations.json and a resourceToken) and modules/ with one',
      'module per concern: a user-assigned managed identity; Log Analytics + workspace-based Application Insights (local',
      'auth disabled); a container registry (admin user off, AcrPull for the identity); a Service Bus namespace (local',
      'auth disabled) with the topic domain-events and one subscription per service, Data Sender and Data Receiver roles',
      'for the identity; PostgreSQL Flexible Server with Entra ID authentication only (password auth disabled), the',
      'identity as Entra administrator and one database per service; a Container Apps environment and one container',
      'app per service (ingress on 8080, /health probes, the identity, keyless app settings). Parameter files',
      'main.dev.bicepparam and main.prod.bicepparam (prod: more replicas, zone-redundant HA, GeneralPurpose tier).',
      'Everything must compile with the Bicep CLI without errors. When feedback names a Bicep diagnostic, fix it.',
    ].join(' '),
    user: 'Domain model (one service per bounded context):\n{{domain-model}}\n\nDevelopment plan:\n{{development-plan}}\n\nFeedback to fix (may be empty):\n{{feedback}}\n\nReturn JSON: { folder: "infra", services: [...], files: [{ path, content }], feedbackAddressed: [{ feedback, action }] }.',
  },
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
