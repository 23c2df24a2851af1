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
 * Phase 4 in order: the pipeline first (the Security Engineer scans it too), then provisioning, security and
 * observability in parallel, then the release (package and notes), then the readiness check.
 */
export const testingToDeploymentSteps: Array<AgentDefinition | AgentDefinition[]> = [
  devopsEngineer as AgentDefinition,
  [cloudProvisioner, securityEngineer, observabilityEngineer] as AgentDefinition[],
  releaseManager as AgentDefinition,
  deploymentOrchestrator as AgentDefinition,
];

export const testingToDeploymentAgents: AgentDefinition[] = testingToDeploymentSteps.flat();
