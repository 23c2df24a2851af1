import * as df from 'durable-functions';
import * as agents from '../agents/architecture-to-development';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 2: Tech Lead; the Policy Writer (the model's bodies for rules no compiler can type); then in parallel
 * Backend, Frontend, Mobile, Infrastructure and Database; then Code Committer and Pull Request Creator; then the
 * gate.
 */
export const architectureToDevelopment = phaseOrchestrator(function* (phase) {
  yield* phase.agent(agents.techLead);
  yield* phase.agent(agents.policyWriter);
  yield* phase.parallel([
    agents.backendDeveloper,
    agents.frontendDeveloper,
    agents.mobileDeveloper,
    agents.infrastructureEngineer,
    agents.databaseArchitect,
  ]);
  yield* phase.agent(agents.codeCommitter);
  yield* phase.agent(agents.pullRequestCreator);
  yield* phase.gate();
});

df.app.orchestration('architectureToDevelopment', architectureToDevelopment);
