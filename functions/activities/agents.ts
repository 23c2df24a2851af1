import { agentCatalog } from '../../agents/catalog';
import { agentActivity } from '../../core/activities';
import { runAgentActivity } from './agentActivity';
import { registerActivity } from './registerActivity';

// One activity function per agent, all registered the same way.
for (const agent of agentCatalog) {
  registerActivity(agentActivity(agent), (input, context) => runAgentActivity(agent, input, context));
}
