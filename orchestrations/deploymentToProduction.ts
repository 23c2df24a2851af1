import * as df from 'durable-functions';
import * as agents from '../agents/deployment-to-production';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 5: pre-deployment validation, provisioning, blue/green deployment, observability activation,
 * post-deployment validation, the gate. A passed gate publishes DeploymentSuccessful; a failed one runs the
 * rollback (the previous version takes the traffic back if the failed one had it) and publishes
 * DeploymentFailed; the run then returns to Testing with the findings.
 */
export const deploymentToProduction = phaseOrchestrator(function* (phase) {
  yield* phase.agent(agents.preDeploymentValidator);
  yield* phase.agent(agents.productionProvisioner);
  yield* phase.agent(agents.productionDeployer);
  yield* phase.agent(agents.observabilityActivator);
  yield* phase.agent(agents.postDeploymentValidator);
  const gate = yield* phase.gate();
  const report = phase.outputs.find((ref) => ref.kind === 'deployment-report' && ref.path.endsWith('.json'));
  if (gate.passed) {
    yield* phase.publish('DeploymentSuccessful', { deploymentReport: report?.path });
    return;
  }
  const [rollback] = yield* phase.agent(agents.rollbackCoordinator);
  yield* phase.publish('DeploymentFailed', {
    deploymentReport: report?.path,
    rollbackReport: rollback?.path,
    findings: gate.findings.slice(0, 5),
  });
});

df.app.orchestration('deploymentToProduction', deploymentToProduction);
