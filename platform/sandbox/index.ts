import { createSandbox } from './sandboxFromSettings';
import type { Sandbox } from '../../core/ports/sandbox';

export type { Sandbox, SandboxFile, SandboxRequest, SandboxResult } from '../../core/ports/sandbox';
export { LocalProcessSandbox, nodeHeapLimitArgs, nodePermissionArgs } from './localProcessSandbox';
export { localConfinement, localSandbox, SandboxUnavailableError } from './localSandbox';

let current: Sandbox | undefined;

/**
 * The sandbox agents execute generated code in; chosen once from the settings (docs/adr/0033, 0034): a Container
 * Apps session pool when configured, namespaces on this machine otherwise (or, when asked for, the unconfined
 * process mode), and an error inside the Functions host without a pool.
 */
export function getSandbox(): Sandbox {
  return (current ??= createSandbox(process.env));
}

/** How this host runs generated code, in a sentence (for run reports); says so when it cannot. */
export function sandboxIsolation(): string {
  try {
    return getSandbox().isolation;
  } catch (error) {
    return `unavailable: ${(error as Error).message}`;
  }
}

export function setSandbox(sandbox: Sandbox): void {
  current = sandbox;
}
