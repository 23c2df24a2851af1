import * as df from 'durable-functions';
import { agentCatalog } from '../../agents/catalog';
import type { AgentActivityInput } from '../../core/workflowContracts';
import { runAgentActivity } from './agentActivity';

// One activity function per agent, all registered the same way.
for (const agent of agentCatalog) {
  df.app.activity(agent.name, {
    handler: (input: unknown, context) => runAgentActivity(agent, input as AgentActivityInput, context),
  });
}
