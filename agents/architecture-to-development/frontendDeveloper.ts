import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { clientAppBlueprint } from '../blueprint/clients/clientAppBlueprint';

export const clientAppOutputSchema = z.object({
  folder: z.string(),
  files: z.array(z.object({ path: z.string(), content: z.string() })).min(1),
  screens: z.array(
    z.object({
      context: z.string(),
      entity: z.string(),
      list: z.boolean(),
      create: z.boolean(),
      detail: z.boolean(),
      commands: z.array(z.string()),
    }),
  ),
  /** Operations the domain model implies but the OpenAPI documents lack: their screens are not built. */
  missing: z.array(z.string()),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), action: z.string() })),
});

export type ClientAppOutput = z.infer<typeof clientAppOutputSchema>;

export const frontendDeveloper: AgentDefinition<ClientAppOutput> = {
  name: 'frontendDeveloper',
  role: 'Frontend Developer',
  phase: 'architecture-to-development',
  purpose:
    'Writes the web client (plain TypeScript and the DOM) for the main user journeys on top of a typed API client generated from the OpenAPI documents.',
  uses: 'compiler',
  reads: ['domain-model', 'openapi', 'backlog', 'development-plan'],
  writes: ['frontend-source'],
  output: clientAppOutputSchema,
  blueprint: (ctx) => clientAppBlueprint(ctx, 'web'),
  artifacts(output) {
    return [{ folder: output.folder, kind: 'frontend-source', files: output.files }];
  },
};
