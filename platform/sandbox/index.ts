import { instrumentSandbox } from '../telemetry/factoryTelemetry';
import { LocalProcessSandbox } from './localProcessSandbox';
import type { Sandbox } from './sandbox';

export type { Sandbox, SandboxFile, SandboxRequest, SandboxResult } from './sandbox';
export { LocalProcessSandbox, nodeHeapLimitArgs, nodePermissionArgs } from './localProcessSandbox';

let current: Sandbox | undefined;

/** The sandbox agents execute generated code in; chosen once at start-up (local process unless set). */
export function getSandbox(): Sandbox {
  // Every execution is counted in telemetry (metric SandboxExecutions).
  return (current ??= instrumentSandbox(new LocalProcessSandbox()));
}

export function setSandbox(sandbox: Sandbox): void {
  current = sandbox;
}
