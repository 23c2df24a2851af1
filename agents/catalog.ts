import type { AgentDefinition } from './agent';
import { architectureToDevelopmentSteps } from './architecture-to-development';
import { developmentToTestingSteps } from './development-to-testing';
import { visionToArchitectureAgents } from './vision-to-architecture';

/** Every agent, each registered as one activity function. */
export const agentCatalog: Array<AgentDefinition<unknown>> = [
  ...visionToArchitectureAgents,
  ...architectureToDevelopmentSteps.flat(),
  ...developmentToTestingSteps.flat(),
] as Array<AgentDefinition<unknown>>;
