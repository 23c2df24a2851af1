import { agentCatalog } from '../../agents/catalog';
import { rollbackCoordinator } from '../../agents/deployment-to-production';
import { phases } from '../../core/phases';
import { architectureToDevelopment } from '../../orchestrations/architectureToDevelopment';
import { deploymentToProduction } from '../../orchestrations/deploymentToProduction';
import { developmentToTesting } from '../../orchestrations/developmentToTesting';
import { phaseSteps } from '../../orchestrations/phaseSteps';
import { productionToOptimization } from '../../orchestrations/productionToOptimization';
import { testingToDeployment } from '../../orchestrations/testingToDeployment';
import { visionToArchitecture } from '../../orchestrations/visionToArchitecture';

const orchestrators = {
  'vision-to-architecture': visionToArchitecture,
  'architecture-to-development': architectureToDevelopment,
  'development-to-testing': developmentToTesting,
  'testing-to-deployment': testingToDeployment,
  'deployment-to-production': deploymentToProduction,
  'production-to-optimization': productionToOptimization,
};

describe('phase orchestrators', () => {
  const steps = phases.map((phase) => phaseSteps(orchestrators[phase.id], phase.id));

  it('run the seed sequences of phases 1, 5 and 6 (2 to 4 are checked with their agents)', () => {
    expect(steps[0]).toEqual([
      'visionArchitect',
      'productManager',
      'productOwner',
      'businessAnalyst',
      'uxDesigner',
      'enterpriseArchitect',
      'solutionArchitect',
      'eventDrivenArchitect',
      'apiDesigner',
    ]);
    expect(steps[4]).toEqual([
      'preDeploymentValidator',
      'productionProvisioner',
      'productionDeployer',
      'observabilityActivator',
      'postDeploymentValidator',
    ]);
    expect(steps[5]).toEqual([
      'productionObserver',
      'customerSuccess',
      ['growthStrategist', 'costOptimizer'],
      'feedbackEvolution',
      'deploymentRetention',
    ]);
  });

  it('call every registered agent exactly once on the passing path, except the rollback', () => {
    const called = steps.flat(2);
    expect(new Set(called).size).toBe(called.length);
    expect(called.sort()).toEqual(
      agentCatalog
        .map((agent) => agent.name)
        .filter((name) => name !== rollbackCoordinator.name)
        .sort(),
    );
  });
});
