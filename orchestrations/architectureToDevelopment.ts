import * as df from 'durable-functions';
import {
  backendDeveloper,
  codeCommitter,
  databaseArchitect,
  frontendDeveloper,
  infrastructureEngineer,
  mobileDeveloper,
  pullRequestCreator,
  techLead,
} from '../agents/architecture-to-development';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 2: Tech Lead; then in parallel Backend, Frontend, Mobile, Infrastructure and Database; then Code
 * Committer and Pull Request Creator; then the gate.
 */
export const architectureToDevelopment = phaseOrchestrator(function* (phase) {
  yield* phase.agent(techLead);
  yield* phase.parallel([
    backendDeveloper,
    frontendDeveloper,
    mobileDeveloper,
    infrastructureEngineer,
    databaseArchitect,
  ]);
  yield* phase.agent(codeCommitter);
  yield* phase.agent(pullRequestCreator);
  yield* phase.gate();
});

df.app.orchestration('architectureToDevelopment', architectureToDevelopment);
