import type { AgentDefinition } from '../../core/agent';
import { cloudProvisioner } from './cloudProvisioner';
import { deploymentOrchestrator } from './deploymentOrchestrator';
import { devopsEngineer } from './devopsEngineer';
import { observabilityEngineer } from './observabilityEngineer';
import { releaseManager } from './releaseManager';
import { securityEngineer } from './securityEngineer';

export {
  cloudProvisioner,
  deploymentOrchestrator,
  devopsEngineer,
  observabilityEngineer,
  releaseManager,
  securityEngineer,
};

/**
 * Every agent of the phase in the seed's order, each registered as one activity. The order in which they run,
 * and which run side by side, is written in the phase's orchestrator (orchestrations/testingToDeployment.ts).
 */
export const testingToDeploymentAgents = [
  devopsEngineer,
  cloudProvisioner,
  securityEngineer,
  observabilityEngineer,
  releaseManager,
  deploymentOrchestrator,
] as Array<AgentDefinition<unknown>>;
