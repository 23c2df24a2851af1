import type { AgentDefinition } from '../../core/agent';
import { clientAppBlueprint } from '../blueprint/clients/clientAppBlueprint';
import { clientAppOutputSchema, type ClientAppOutput } from './frontendDeveloper';

export const mobileDeveloper: AgentDefinition<ClientAppOutput> = {
  name: 'mobileDeveloper',
  role: 'Mobile Developer',
  phase: 'architecture-to-development',
  purpose:
    'Writes an installable progressive web app, mobile-first and with an offline app shell, on the same typed API client as the web client.',
  uses: 'compiler',
  reads: ['domain-model', 'openapi', 'backlog', 'development-plan'],
  writes: ['mobile-source'],
  output: clientAppOutputSchema,
  blueprint: (ctx) => clientAppBlueprint(ctx, 'mobile'),
  artifacts(output) {
    return [{ folder: output.folder, kind: 'mobile-source', files: output.files }];
  },
};
