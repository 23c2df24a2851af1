import { DefaultAzureCredential } from '@azure/identity';
import { localConfinement } from '../sandbox';
import { ArmDeploymentTarget } from './armDeploymentTarget';
import type { DeploymentTarget } from '../../core/ports/deploymentTarget';
import { LocalBlueGreenTarget, type ServiceBuilder } from './localBlueGreenTarget';

export * from '../../core/ports/deploymentTarget';
export { ArmDeploymentTarget, deploymentName } from './armDeploymentTarget';
export { LocalBlueGreenTarget, type ServiceBuilder } from './localBlueGreenTarget';

/**
 * Chooses the deployment target from settings: `FACTORY_DEPLOYMENT_TARGET=arm` with `AZURE_SUBSCRIPTION_ID` and
 * `AZURE_RESOURCE_GROUP` deploys to Azure (identity from `DefaultAzureCredential`); anything else, or unset,
 * deploys on this machine under FACTORY_HOME.
 */
export function createDeploymentTarget(
  env: NodeJS.ProcessEnv,
  home: string,
  build: ServiceBuilder,
): DeploymentTarget {
  const kind = (env.FACTORY_DEPLOYMENT_TARGET ?? 'local').toLowerCase();
  if (kind === 'arm') {
    const subscriptionId = env.AZURE_SUBSCRIPTION_ID;
    const resourceGroup = env.AZURE_RESOURCE_GROUP;
    if (!subscriptionId || !resourceGroup)
      throw new Error('FACTORY_DEPLOYMENT_TARGET=arm needs AZURE_SUBSCRIPTION_ID and AZURE_RESOURCE_GROUP');
    return new ArmDeploymentTarget({
      subscriptionId,
      resourceGroup,
      credential: new DefaultAzureCredential(),
      endpoint: env.AZURE_RESOURCE_MANAGER_ENDPOINT,
    });
  }
  if (kind !== 'local') throw new Error(`FACTORY_DEPLOYMENT_TARGET '${kind}' is not one of: local, arm`);
  return new LocalBlueGreenTarget({ home, build, confinement: () => localConfinement(env) });
}

/** `FACTORY_KEEP_DEPLOYED=false` stops the deployed product when the run ends; anything else keeps it running. */
export function keepDeployed(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.FACTORY_KEEP_DEPLOYED ?? 'true').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(value))
    throw new Error(`FACTORY_KEEP_DEPLOYED must be true or false, not '${env.FACTORY_KEEP_DEPLOYED}'`);
  return ['true', '1', 'yes'].includes(value);
}
