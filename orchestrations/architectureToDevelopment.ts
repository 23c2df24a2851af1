import * as df from 'durable-functions';
import { architectureToDevelopmentSteps } from '../agents/architecture-to-development';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 2: Tech Lead; then in parallel Backend, Frontend, Mobile, Infrastructure and Database; then Code
 * Committer and Pull Request Creator; then the gate.
 */
export const architectureToDevelopment = phaseOrchestrator(function* (phase) {
  for (const step of architectureToDevelopmentSteps) {
    if (Array.isArray(step)) yield* phase.parallel(step);
    else yield* phase.agent(step);
  }
  yield* phase.gate();
});

df.app.orchestration('architectureToDevelopment', architectureToDevelopment);
