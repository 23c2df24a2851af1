import type { ServiceBuilder } from '../../platform/deployment/localBlueGreenTarget';
import { describeDiagnostics } from '../testing/services';
import { compileService } from './compileService';

/** Compiles a service with the same compiler step the Development and Testing phases use. */
export const compileForDeployment: ServiceBuilder = (files) => {
  const result = compileService(files, { emit: true });
  return { outDir: result.outDir, problems: describeDiagnostics(result.diagnostics) };
};
