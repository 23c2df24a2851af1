import type { AgentDefinition } from '../core/agent';
import { architectureToDevelopmentAgents } from './architecture-to-development';
import { deploymentToProductionAgents } from './deployment-to-production';
import { developmentToTestingAgents } from './development-to-testing';
import { productionToOptimizationAgents } from './production-to-optimization';
import { testingToDeploymentAgents } from './testing-to-deployment';
import { visionToArchitectureAgents } from './vision-to-architecture';

/** Every agent, each registered as one activity function. */
export const agentCatalog: Array<AgentDefinition<unknown>> = [
  ...visionToArchitectureAgents,
  ...architectureToDevelopmentAgents,
  ...developmentToTestingAgents,
  ...testingToDeploymentAgents,
  ...deploymentToProductionAgents,
  ...productionToOptimizationAgents,
];
