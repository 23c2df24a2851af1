import type { PhaseId } from '../../../orchestrations/phases';

// The ids as `orchestrations/phases.ts` lists them; typed through PhaseId so a rename there is caught here.
export const testingToDeployment: PhaseId = 'testing-to-deployment';
export const deploymentToProduction: PhaseId = 'deployment-to-production';
export const productionToOptimization: PhaseId = 'production-to-optimization';
