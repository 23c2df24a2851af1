import { getSandbox, type Sandbox } from '../../platform/sandbox';
import { instrumentSandbox } from '../../telemetry';

/** The sandbox agents run generated code in; every execution counts in telemetry (metric SandboxExecutions). */
export function agentSandbox(): Sandbox {
  return instrumentSandbox(getSandbox());
}
