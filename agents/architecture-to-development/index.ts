import type { AgentDefinition } from '../../core/agent';
import { backendDeveloper } from './backendDeveloper';
import { codeCommitter } from './codeCommitter';
import { databaseArchitect } from './databaseArchitect';
import { frontendDeveloper } from './frontendDeveloper';
import { infrastructureEngineer } from './infrastructureEngineer';
import { mobileDeveloper } from './mobileDeveloper';
import { policyWriter } from './policyWriter';
import { pullRequestCreator } from './pullRequestCreator';
import { techLead } from './techLead';

export {
  backendDeveloper,
  codeCommitter,
  databaseArchitect,
  frontendDeveloper,
  infrastructureEngineer,
  mobileDeveloper,
  policyWriter,
  pullRequestCreator,
  techLead,
};

/**
 * Every agent of the phase in the seed's order, each registered as one activity. The order in which they run,
 * and which run side by side, is written in the phase's orchestrator (orchestrations/architectureToDevelopment.ts).
 */
export const architectureToDevelopmentAgents = [
  techLead,
  policyWriter,
  backendDeveloper,
  frontendDeveloper,
  mobileDeveloper,
  infrastructureEngineer,
  databaseArchitect,
  codeCommitter,
  pullRequestCreator,
] as Array<AgentDefinition<unknown>>;
