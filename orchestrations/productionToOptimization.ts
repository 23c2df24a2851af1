import * as df from 'durable-functions';
import * as agents from '../agents/production-to-optimization';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 6: measure the live product, learn from users, growth and cost, plan the next iteration's evolution,
 * then keep or stop the deployment. The run orchestrator's continueAsNew carries the manifest (and with it the
 * evolution plan) into the next iteration.
 */
export const productionToOptimization = phaseOrchestrator(function* (phase) {
  yield* phase.agent(agents.productionObserver);
  yield* phase.agent(agents.customerSuccess);
  yield* phase.parallel([agents.growthStrategist, agents.costOptimizer]);
  yield* phase.agent(agents.feedbackEvolution);
  yield* phase.agent(agents.deploymentRetention);
  yield* phase.gate();
});

df.app.orchestration('productionToOptimization', productionToOptimization);
