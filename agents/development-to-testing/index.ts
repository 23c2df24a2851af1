import type { AgentDefinition } from '../../core/agent';
import { bugInvestigator } from './bugInvestigator';
import { chaosEngineer } from './chaosEngineer';
import { codeReviewer } from './codeReviewer';
import { contractTester } from './contractTester';
import { loadTester } from './loadTester';
import { qaEngineer } from './qaEngineer';
import { testAutomationEngineer } from './testAutomationEngineer';
import { testCoverageValidator } from './testCoverageValidator';
import { testGenerator } from './testGenerator';
import { uiTester } from './uiTester';

export {
  bugInvestigator,
  chaosEngineer,
  codeReviewer,
  contractTester,
  loadTester,
  qaEngineer,
  testAutomationEngineer,
  testCoverageValidator,
  testGenerator,
  uiTester,
};

/**
 * Every agent of the phase in the seed's order, each registered as one activity. The order in which they run,
 * and which run side by side, is written in the phase's orchestrator (orchestrations/developmentToTesting.ts).
 */
export const developmentToTestingAgents = [
  qaEngineer,
  testGenerator,
  testAutomationEngineer,
  testCoverageValidator,
  loadTester,
  chaosEngineer,
  contractTester,
  uiTester,
  bugInvestigator,
  codeReviewer,
] as Array<AgentDefinition<unknown>>;
