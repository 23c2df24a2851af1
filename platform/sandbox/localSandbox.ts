import type { Confinement } from './confinement';
import { LocalProcessSandbox } from './localProcessSandbox';
import { namespaceConfinement, namespaceSupport } from './namespaceConfinement';
import { processConfinement } from './processConfinement';

/** Generated code cannot be run with the isolation the settings ask for. */
export class SandboxUnavailableError extends Error {
  override name = 'SandboxUnavailableError';
}

type Env = Record<string, string | undefined>;

/**
 * How generated code is confined on this machine, from `FACTORY_SANDBOX`: `namespaces` (the default) or
 * `process`, the weaker mode a user must opt into on a host without namespaces. Never silently weaker than asked.
 */
export function localConfinement(env: Env = process.env): Confinement {
  const mode = (env.FACTORY_SANDBOX ?? 'namespaces').toLowerCase();
  if (mode === 'process') {
    warnUnconfined();
    return processConfinement;
  }
  if (mode !== 'namespaces')
    throw new SandboxUnavailableError(
      `FACTORY_SANDBOX must be namespaces or process, not '${env.FACTORY_SANDBOX}'`,
    );
  const support = namespaceSupport();
  if (!support.available)
    throw new SandboxUnavailableError(
      `generated code cannot be isolated on this machine: ${support.reason}. Install bubblewrap (apt-get install bubblewrap), or set FACTORY_SANDBOX=process to run generated code without isolation`,
    );
  return namespaceConfinement(support);
}

let warned = false;
function warnUnconfined(): void {
  if (warned) return;
  warned = true;
  process.stderr.write(
    'WARNING: FACTORY_SANDBOX=process: generated code runs WITHOUT isolation, as this user, with its files, processes and network reachable\n',
  );
}

/** The local sandbox the settings ask for (see `localConfinement`). */
export function localSandbox(env: Env = process.env): LocalProcessSandbox {
  return new LocalProcessSandbox({ confinement: localConfinement(env) });
}
