import { compileService } from '../../../toolchain/backend/compileService';
import { describeDiagnostics } from '../../../toolchain/testing/services';
import {
  createDeploymentTarget,
  type DeploymentTarget,
  type ServiceBuilder,
} from '../../../platform/deployment';
import { factoryHome } from '../../../platform/runtime';

/** Compiles a service with the same compiler step the Development and Testing phases use. */
export const compileForDeployment: ServiceBuilder = (files) => {
  const result = compileService(files, { emit: true });
  return { outDir: result.outDir, problems: describeDiagnostics(result.diagnostics) };
};

let chosen: DeploymentTarget | undefined;

/** The deployment target agents deploy through: chosen from settings on first use. */
export function deploymentTarget(): DeploymentTarget {
  return (chosen ??= createDeploymentTarget(process.env, factoryHome(), compileForDeployment));
}

/** Replaces the target (tests pin one to a temporary FACTORY_HOME); `undefined` chooses again from settings. */
export function useDeploymentTarget(target: DeploymentTarget | undefined): void {
  chosen = target;
}
