import type { GateDefinition } from '../core/gate';
import { architectureToDevelopmentGate } from './architecture-to-development';
import { deploymentToProductionGate } from './deployment-to-production';
import { developmentToTestingGate } from './development-to-testing';
import { productionToOptimizationGate } from './production-to-optimization';
import { testingToDeploymentGate } from './testing-to-deployment';
import { visionToArchitectureGate } from './vision-to-architecture';

const gates: GateDefinition[] = [
  visionToArchitectureGate,
  architectureToDevelopmentGate,
  developmentToTestingGate,
  testingToDeploymentGate,
  deploymentToProductionGate,
  productionToOptimizationGate,
];

export function gateFor(phase: string): GateDefinition {
  const gate = gates.find((g) => g.phase === phase);
  if (!gate) throw new Error(`no quality gate is defined for phase '${phase}'`);
  return gate;
}
