import type { AgentDefinition } from '../../core/agent';
import { observabilityActivator } from './observabilityActivator';
import { postDeploymentValidator } from './postDeploymentValidator';
import { preDeploymentValidator } from './preDeploymentValidator';
import { productionDeployer } from './productionDeployer';
import { productionProvisioner } from './productionProvisioner';
import { rollbackCoordinator } from './rollbackCoordinator';

export {
  observabilityActivator,
  postDeploymentValidator,
  preDeploymentValidator,
  productionDeployer,
  productionProvisioner,
  rollbackCoordinator,
};

/**
 * Every agent of the phase in the seed's order, each registered as one activity. The order in which they run,
 * and which run side by side, is written in the phase's orchestrator (orchestrations/deploymentToProduction.ts).
 */
export const deploymentToProductionAgents = [
  preDeploymentValidator,
  productionProvisioner,
  productionDeployer,
  observabilityActivator,
  postDeploymentValidator,
  rollbackCoordinator,
] as Array<AgentDefinition<unknown>>;
