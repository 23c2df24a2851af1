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
 * Phase 6: the Observability Engineer measures first and Customer Success reads the users (the others read both
 * reports); Growth and Cost run in parallel; Feedback & Evolution closes the loop; the Release Manager decides
 * whether the product keeps running.
 */
export const productionToOptimizationSteps: Array<AgentDefinition | AgentDefinition[]> = [
  productionObserver as AgentDefinition,
  customerSuccess as AgentDefinition,
  [growthStrategist, costOptimizer] as AgentDefinition[],
  feedbackEvolution as AgentDefinition,
  deploymentRetention as AgentDefinition,
];

export const productionToOptimizationAgents: AgentDefinition[] = productionToOptimizationSteps.flat();
