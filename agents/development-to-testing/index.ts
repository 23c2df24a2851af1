import type { AgentDefinition } from '../../core/agent';
import { bugInvestigator } from './bugInvestigator';
import { chaosEngineer } from './chaosEngineer';
import { codeReviewer } from './codeReviewer';
import { loadTester } from './loadTester';
import { qaEngineer } from './qaEngineer';
import { testAutomationEngineer } from './testAutomationEngineer';
import { testCoverageValidator } from './testCoverageValidator';
import { testGenerator } from './testGenerator';

/** The phase's steps in the seed's order; an inner array is a group that runs in parallel (Task.all). */
export const developmentToTestingSteps: Array<AgentDefinition<never> | Array<AgentDefinition<never>>> = [
  qaEngineer as AgentDefinition<never>,
  testGenerator as AgentDefinition<never>,
  testAutomationEngineer as AgentDefinition<never>,
  testCoverageValidator as AgentDefinition<never>,
  [loadTester as AgentDefinition<never>, chaosEngineer as AgentDefinition<never>],
  bugInvestigator as AgentDefinition<never>,
  codeReviewer as AgentDefinition<never>,
];

/** The same agents, flattened in order. */
export const developmentToTestingAgents = developmentToTestingSteps.flat() as Array<AgentDefinition<unknown>>;
