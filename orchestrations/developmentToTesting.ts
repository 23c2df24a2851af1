import * as df from 'durable-functions';
import * as agents from '../agents/development-to-testing';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 3: QA Engineer, Test Generator, Test Automation Engineer, Test Coverage Validator; in parallel Load &
 * Performance, Resiliency & Chaos and API Contract Tester; UI Test Engineer; Bug Investigator; Code Reviewer; then
 * the gate. A failed gate sends the bug reports back to Development.
 */
export const developmentToTesting = phaseOrchestrator(function* (phase) {
  yield* phase.agent(agents.qaEngineer);
  yield* phase.agent(agents.testGenerator);
  yield* phase.agent(agents.testAutomationEngineer);
  yield* phase.agent(agents.testCoverageValidator);
  yield* phase.parallel([agents.loadTester, agents.chaosEngineer, agents.contractTester]);
  // After the load test, so a browser does not share the machine with the latencies it measures.
  yield* phase.agent(agents.uiTester);
  yield* phase.agent(agents.bugInvestigator);
  yield* phase.agent(agents.codeReviewer);
  yield* phase.gate();
});

df.app.orchestration('developmentToTesting', developmentToTesting);
