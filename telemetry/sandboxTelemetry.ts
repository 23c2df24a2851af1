import type { Sandbox } from '../core/ports/sandbox';
import { telemetry } from '../platform/telemetry';
import { metricNames } from './metricNames';

/** Wraps a sandbox so every execution counts in `SandboxExecutions`, inside the ambient agent span's dimensions. */
export function instrumentSandbox(sandbox: Sandbox): Sandbox {
  return {
    adapter: sandbox.adapter,
    isolation: sandbox.isolation,
    browser: sandbox.browser,
    run: async (request) => {
      const result = await sandbox.run(request);
      telemetry().metric(metricNames.sandboxExecutions, 1, {
        exitCode: result.exitCode ?? 'none',
        timedOut: result.timedOut,
        durationMs: result.durationMs,
        sandbox: sandbox.adapter,
      });
      return result;
    },
  };
}
