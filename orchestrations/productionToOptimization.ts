import * as df from 'durable-functions';
import {
  costOptimizer,
  customerSuccess,
  deploymentRetention,
  feedbackEvolution,
  growthStrategist,
  productionObserver,
} from '../agents/production-to-optimization';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 6: measure the live product, learn from users, growth and cost, plan the next iteration's evolution,
 * then keep or stop the deployment. The run orchestrator's continueAsNew carries the manifest (and with it the
 * evolution plan) into the next iteration.
 */
export const productionToOptimization = phaseOrchestrator(function* (phase) {
  yield* phase.agent(productionObserver);
  yield* phase.agent(customerSuccess);
  yield* phase.parallel([growthStrategist, costOptimizer]);
  yield* phase.agent(feedbackEvolution);
  yield* phase.agent(deploymentRetention);
  yield* phase.gate();
});

df.app.orchestration('productionToOptimization', productionToOptimization);
