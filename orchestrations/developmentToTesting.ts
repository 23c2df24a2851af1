import * as df from 'durable-functions';
import {
  bugInvestigator,
  chaosEngineer,
  codeReviewer,
  loadTester,
  qaEngineer,
  testAutomationEngineer,
  testCoverageValidator,
  testGenerator,
} from '../agents/development-to-testing';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 3: QA Engineer, Test Generator, Test Automation Engineer, Test Coverage Validator; in parallel Load &
 * Performance and Resiliency & Chaos; Bug Investigator; Code Reviewer; then the gate. A failed gate sends the
 * bug reports back to Development.
 */
export const developmentToTesting = phaseOrchestrator(function* (phase) {
  yield* phase.agent(qaEngineer);
  yield* phase.agent(testGenerator);
  yield* phase.agent(testAutomationEngineer);
  yield* phase.agent(testCoverageValidator);
  yield* phase.parallel([loadTester, chaosEngineer]);
  yield* phase.agent(bugInvestigator);
  yield* phase.agent(codeReviewer);
  yield* phase.gate();
});

df.app.orchestration('developmentToTesting', developmentToTesting);
