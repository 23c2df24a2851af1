import * as df from 'durable-functions';
import { productionToOptimizationSteps } from '../agents/production-to-optimization';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 6: measure the live product, learn from users, growth and cost, plan the next iteration's evolution,
 * then keep or stop the deployment. The run orchestrator's continueAsNew carries the manifest (and with it the
 * evolution plan) into the next iteration.
 */
export const productionToOptimization = phaseOrchestrator(function* (phase) {
  for (const step of productionToOptimizationSteps) {
    if (Array.isArray(step)) yield* phase.parallel(step);
    else yield* phase.agent(step);
  }
  yield* phase.gate();
});

df.app.orchestration('productionToOptimization', productionToOptimization);
