import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../local/durableHost/clock';
import type { FunctionRegistry } from '../../local/durableHost/registry';
import { EmbeddedFactory } from '../../local/embeddedFactory';
import { createPorts, type Ports } from '../../platform/config';
import { usePorts } from '../../platform/runtime';
import { parseRunOptions, type RunOptionsInput } from '../../runs/runOptions';
import { startRun } from '../../runs/startRun';

export interface TestFactory {
  factory: EmbeddedFactory;
  ports: Ports;
  home: string;
  start(vision: string, options?: RunOptionsInput, runId?: string): Promise<string>;
  waitFor(
    runId: string,
    predicate: (status: string) => boolean,
    timeoutMs?: number,
    tenantId?: string,
  ): Promise<string>;
  close(): Promise<void>;
}

/** The whole factory app on an embedded host in a temp FACTORY_HOME, with the embedded adapters. */
export async function startTestFactory(
  options: {
    maxPayloadBytes?: number;
    env?: NodeJS.ProcessEnv;
    /** A manual clock lets a test move durable time (timers, approval deadlines) forward. */
    clock?: Clock;
    /** The test's own registrations (fake agents) over the app's; see `registerInto`. */
    registry?: FunctionRegistry;
  } = {},
): Promise<TestFactory> {
  const home = mkdtempSync(join(tmpdir(), 'factory-test-'));
  // Settings as the app reads them (connection strings of local servers); none means the embedded adapters.
  const ports = createPorts(options.env ?? {}, home);
  usePorts(ports);
  const factory = await EmbeddedFactory.start({
    factoryHome: home,
    maxPayloadBytes: options.maxPayloadBytes,
    clock: options.clock,
    registry: options.registry,
  });
  return {
    factory,
    ports,
    home,
    async start(vision, runOptions = {}, runId) {
      const { doc } = await startRun(ports, factory.client(), {
        tenantId: 'test',
        vision,
        options: parseRunOptions(runOptions),
        runId,
      });
      return doc.id;
    },
    async waitFor(runId, predicate, timeoutMs = 240000, tenantId = 'test') {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const doc = await ports.runs.get(tenantId, runId);
        const runtime = factory.runStatus(tenantId, runId)?.runtimeStatus;
        const status =
          runtime === 'Failed' || runtime === 'Terminated' ? runtime : (doc?.status ?? 'missing');
        // A finished run document is final only once its orchestration has finished too (events, report).
        const settling =
          ['Completed', 'Failed', 'Rejected'].includes(status) &&
          (runtime === 'Running' || runtime === 'Pending');
        if (!settling && predicate(status)) return status;
        if (Date.now() > deadline) throw new Error(`run ${runId} still ${status} after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await factory.stop();
      await ports.close();
      usePorts(undefined);
    },
  };
}
