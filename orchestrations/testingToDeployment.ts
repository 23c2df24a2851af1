import * as df from 'durable-functions';
import * as agents from '../agents/testing-to-deployment';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 4: DevOps Engineer; Cloud Provisioner, Security Engineer and Observability Engineer in parallel; Release
 * Manager; Deployment Orchestrator; then the release gate. DeploymentReady is published once the gate passes.
 */
export const testingToDeployment = phaseOrchestrator(function* (phase) {
  yield* phase.agent(agents.devopsEngineer);
  yield* phase.parallel([agents.cloudProvisioner, agents.securityEngineer, agents.observabilityEngineer]);
  yield* phase.agent(agents.releaseManager);
  yield* phase.agent(agents.deploymentOrchestrator);
  const gate = yield* phase.gate();
  if (gate.passed) {
    const release = phase.outputs.find((ref) => ref.kind === 'release-package');
    const plan = phase.outputs.find((ref) => ref.kind === 'deployment-plan');
    yield* phase.publish('DeploymentReady', { releasePackage: release?.path, deploymentPlan: plan?.path });
  }
});

df.app.orchestration('testingToDeployment', testingToDeployment);
