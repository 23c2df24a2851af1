import type { Sandbox } from '../../../core/ports/sandbox';
import { nodeHeapLimitArgs, nodePermissionArgs } from '../../../platform/sandbox/localProcessSandbox';
import { driverFiles, sandboxLimits } from '../runTests';
import { conformanceDriverSource } from './conformanceDriverSource';
import { parseExchanges, type Exchange } from './exchange';
import { exchangeRecorder } from './exchangeRecorderSource';
import type { GeneratedRequest } from './generatedRequests';

/** Sends the generated requests to the compiled service inside the sandbox and returns what it recorded. */
export async function runGeneratedRequests(
  sandbox: Sandbox,
  outDir: string,
  requests: GeneratedRequest[],
): Promise<{ exchanges: Exchange[]; error?: string }> {
  const result = await sandbox.run({
    files: [
      ...driverFiles(outDir),
      exchangeRecorder.file,
      { path: '.factory/contract.js', content: conformanceDriverSource },
      { path: '.factory/requests.json', content: JSON.stringify(requests) },
    ],
    command: [
      process.execPath,
      ...nodeHeapLimitArgs(),
      ...nodePermissionArgs(),
      ...exchangeRecorder.args,
      '.factory/contract.js',
    ],
    ...sandboxLimits,
  });
  const exchanges = parseExchanges(result.stdout);
  const failed = result.exitCode !== 0 || result.timedOut || result.outputTruncated;
  return failed
    ? {
        exchanges,
        error: `${result.timedOut ? 'timed out; ' : ''}${result.outputTruncated ? 'output cut at the limit; ' : ''}exit ${result.exitCode}: ${result.stderr.slice(-1500)}`,
      }
    : { exchanges };
}
