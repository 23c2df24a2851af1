import type { ServiceBuilder } from '../../platform/deployment/localBlueGreenTarget';
import { describeDiagnostics } from '../testing/services';
import { compileService } from './compileService';
import { installRuntimeModules, unknownDependencies } from './runtimeDependencies';

/**
 * Compiles a service with the same compiler step the Development and Testing phases use, and installs the
 * runtime packages its package.json names beside the compiled code.
 */
export const compileForDeployment: ServiceBuilder = (files) => {
  const manifest = files.find((file) => file.path === 'package.json');
  const unknown = manifest ? unknownDependencies(manifest.content.toString('utf8')) : [];
  if (unknown.length > 0)
    return { problems: [`package.json names packages the factory cannot install: ${unknown.join(', ')}`] };
  const result = compileService(files, { emit: true });
  if (result.outDir) installRuntimeModules(result.outDir);
  return { outDir: result.outDir, problems: describeDiagnostics(result.diagnostics) };
};
