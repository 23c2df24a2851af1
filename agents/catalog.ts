import type { AgentDefinition } from '../core/agent';
import { architectureToDevelopmentSteps } from './architecture-to-development';
import { deploymentToProductionAgents } from './deployment-to-production';
import { developmentToTestingSteps } from './development-to-testing';
import { productionToOptimizationSteps } from './production-to-optimization';
import { testingToDeploymentSteps } from './testing-to-deployment';
import { visionToArchitectureAgents } from './vision-to-architecture';

/** Every agent, each registered as one activity function. */
export const agentCatalog: Array<AgentDefinition<unknown>> = [
  ...visionToArchitectureAgents,
  ...architectureToDevelopmentSteps.flat(),
  ...developmentToTestingSteps.flat(),
  ...testingToDeploymentSteps.flat(),
  ...deploymentToProductionAgents,
  ...productionToOptimizationSteps.flat(),
] as Array<AgentDefinition<unknown>>;
