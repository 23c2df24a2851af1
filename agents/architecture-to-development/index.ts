import type { AgentDefinition } from '../../core/agent';
import { backendDeveloper } from './backendDeveloper';
import { codeCommitter } from './codeCommitter';
import { databaseArchitect } from './databaseArchitect';
import { frontendDeveloper } from './frontendDeveloper';
import { infrastructureEngineer } from './infrastructureEngineer';
import { mobileDeveloper } from './mobileDeveloper';
import { pullRequestCreator } from './pullRequestCreator';
import { techLead } from './techLead';

export {
  backendDeveloper,
  codeCommitter,
  databaseArchitect,
  frontendDeveloper,
  infrastructureEngineer,
  mobileDeveloper,
  pullRequestCreator,
  techLead,
};

/** Phase 2 in order; an inner array is a group whose agents run in parallel (the five development streams). */
export const architectureToDevelopmentSteps: Array<AgentDefinition | AgentDefinition[]> = [
  techLead as AgentDefinition,
  [
    backendDeveloper,
    frontendDeveloper,
    mobileDeveloper,
    infrastructureEngineer,
    databaseArchitect,
  ] as AgentDefinition[],
  codeCommitter as AgentDefinition,
  pullRequestCreator as AgentDefinition,
];

/** The same agents flattened, in order. */
export const architectureToDevelopmentAgents: AgentDefinition[] = architectureToDevelopmentSteps.flat();
