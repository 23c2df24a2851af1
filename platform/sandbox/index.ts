import { instrumentSandbox } from '../telemetry/factoryTelemetry';
import { createSandbox } from './sandboxFromSettings';
import type { Sandbox } from './sandbox';

export type { Sandbox, SandboxFile, SandboxRequest, SandboxResult } from './sandbox';
export { LocalProcessSandbox, nodeHeapLimitArgs, nodePermissionArgs } from './localProcessSandbox';

let current: Sandbox | undefined;

/**
 * The sandbox agents execute generated code in; chosen once from the settings (docs/adr/0033): a Container
 * Apps session pool when configured, the local process otherwise, and an error inside the Functions host
 * without a pool.
 */
export function getSandbox(): Sandbox {
  // Every execution is counted in telemetry (metric SandboxExecutions).
  return (current ??= instrumentSandbox(createSandbox(process.env)));
}

export function setSandbox(sandbox: Sandbox): void {
  current = sandbox;
}
