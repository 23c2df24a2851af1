import * as df from 'durable-functions';
import { developmentToTestingSteps } from '../agents/development-to-testing';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 3: QA Engineer, Test Generator, Test Automation Engineer, Test Coverage Validator; in parallel Load &
 * Performance and Resiliency & Chaos; Bug Investigator; Code Reviewer; then the gate. A failed gate sends the
 * bug reports back to Development.
 */
export const developmentToTesting = phaseOrchestrator(function* (phase) {
  for (const step of developmentToTestingSteps) {
    if (Array.isArray(step)) yield* phase.parallel(step);
    else yield* phase.agent(step);
  }
  yield* phase.gate();
});

df.app.orchestration('developmentToTesting', developmentToTesting);
