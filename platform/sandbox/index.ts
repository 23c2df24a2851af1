import type { Sandbox } from '../../core/ports/sandbox';

export type { Sandbox, SandboxFile, SandboxRequest, SandboxResult } from '../../core/ports/sandbox';
export { LocalProcessSandbox, nodeHeapLimitArgs, nodePermissionArgs } from './localProcessSandbox';
export { localConfinement, localSandbox, SandboxUnavailableError } from './localSandbox';
export { createSandbox } from './sandboxFromSettings';

/** How a host runs generated code, in a sentence (for run reports); says so when it cannot. */
export function sandboxIsolation(sandbox: () => Sandbox): string {
  try {
    return sandbox().isolation;
  } catch (error) {
    return `unavailable: ${(error as Error).message}`;
  }
}
