import type { AgentDefinition } from '../../core/agent';
import { costOptimizer } from './costOptimizer';
import { customerSuccess } from './customerSuccess';
import { deploymentRetention } from './deploymentRetention';
import { feedbackEvolution } from './feedbackEvolution';
import { growthStrategist } from './growthStrategist';
import { productionObserver } from './productionObserver';

export {
  costOptimizer,
  customerSuccess,
  deploymentRetention,
  feedbackEvolution,
  growthStrategist,
  productionObserver,
};

/**
 * Every agent of the phase in the seed's order, each registered as one activity. The order in which they run,
 * and which run side by side, is written in the phase's orchestrator (orchestrations/productionToOptimization.ts).
 */
export const productionToOptimizationAgents = [
  productionObserver,
  customerSuccess,
  growthStrategist,
  costOptimizer,
  feedbackEvolution,
  deploymentRetention,
] as Array<AgentDefinition<unknown>>;
