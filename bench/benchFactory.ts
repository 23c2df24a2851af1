// The whole factory in the benchmark's own process, in a temporary FACTORY_HOME with the embedded adapters.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Session } from '../local/cli/session';
import { runInstanceId } from '../platform/runs/instanceIds';
import type { RunOptionsInput } from '../runs/runOptions';

// Compiled to dist/bench, so the project root is two levels up.
export const projectRoot = existsSync(resolve(__dirname, '../bin/factory.js'))
  ? resolve(__dirname, '..')
  : resolve(__dirname, '../..');

export interface BenchFactory {
  session: Session;
  /** Starts a run of one of the example visions; resolves with its run id. */
  start(vision: string, runId: string, options?: RunOptionsInput): Promise<string>;
  /** Waits for the runs to finish; throws unless every one completed. */
  complete(runIds: string[]): Promise<void>;
  close(): Promise<void>;
}

/** A session on `home` in this process; `process: false` only reads (the run was made by another process). */
export async function openBenchSession(home: string, options: { process: boolean }): Promise<Session> {
  process.env.FACTORY_HOME = home;
  process.env.FACTORY_KEEP_DEPLOYED = 'false';
  // Loaded here so the Functions core module is in place before the app registers (see local/cli/main).
  const { installFunctionsCore } = await import('../local/durableHost/functionsCore');
  installFunctionsCore();
  const { openSession } = await import('../local/cli/session');
  return openSession(options);
}

export async function openBenchFactory(root: string, prefix: string): Promise<BenchFactory> {
  const session = await openBenchSession(mkdtempSync(join(tmpdir(), `bench-${prefix}-`)), { process: true });
  const { startRun } = await import('../runs/startRun');
  const { parseRunOptions } = await import('../runs/runOptions');
  return {
    session,
    async start(vision, runId, options = {}) {
      const { doc } = await startRun(session.ports, session.factory.client(), {
        tenantId: session.tenantId,
        vision: readFileSync(join(root, 'examples/visions', `${vision}.md`), 'utf8'),
        runId,
        options: parseRunOptions(options),
      });
      return doc.id;
    },
    async complete(runIds) {
      const outcomes = await Promise.all(
        runIds.map((id) => session.factory.host.waitForCompletion(runInstanceId(session.tenantId, id))),
      );
      const failed = outcomes.filter((o) => o?.runtimeStatus !== 'Completed');
      if (failed.length)
        throw new Error(
          `runs did not complete: ${failed.map((o) => `${o?.instanceId} ${o?.runtimeStatus}`).join(', ')}`,
        );
    },
    close: () => session.close(),
  };
}
