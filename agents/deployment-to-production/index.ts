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

/** Phase 5 in the seed's order: pre-deployment validation, provisioning, deployment, observability, post-deployment validation. */
export const deploymentToProductionSteps: Array<AgentDefinition | AgentDefinition[]> = [
  preDeploymentValidator as AgentDefinition,
  productionProvisioner as AgentDefinition,
  productionDeployer as AgentDefinition,
  observabilityActivator as AgentDefinition,
  postDeploymentValidator as AgentDefinition,
];

/** Every agent of the phase, the conditional rollback included (each is registered as an activity). */
export const deploymentToProductionAgents: AgentDefinition[] = [
  ...deploymentToProductionSteps.flat(),
  rollbackCoordinator as AgentDefinition,
];
