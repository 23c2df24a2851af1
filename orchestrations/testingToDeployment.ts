import * as df from 'durable-functions';
import {
  cloudProvisioner,
  deploymentOrchestrator,
  devopsEngineer,
  observabilityEngineer,
  releaseManager,
  securityEngineer,
} from '../agents/testing-to-deployment';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 4: DevOps Engineer; Cloud Provisioner, Security Engineer and Observability Engineer in parallel; Release
 * Manager; Deployment Orchestrator; then the release gate. DeploymentReady is published once the gate passes.
 */
export const testingToDeployment = phaseOrchestrator(function* (phase) {
  yield* phase.agent(devopsEngineer);
  yield* phase.parallel([cloudProvisioner, securityEngineer, observabilityEngineer]);
  yield* phase.agent(releaseManager);
  yield* phase.agent(deploymentOrchestrator);
  const gate = yield* phase.gate();
  if (gate.passed) {
    const release = phase.outputs.find((ref) => ref.kind === 'release-package');
    const plan = phase.outputs.find((ref) => ref.kind === 'deployment-plan');
    yield* phase.publish('DeploymentReady', { releasePackage: release?.path, deploymentPlan: plan?.path });
  }
});

df.app.orchestration('testingToDeployment', testingToDeployment);
