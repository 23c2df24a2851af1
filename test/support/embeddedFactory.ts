import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentPorts } from '../../agents/runtime/agentContext';
import { composeFromSettings, type Composition } from '../../functions/compositionRoot';
import type { Clock } from '../../local/durableHost/clock';
import type { FunctionRegistry } from '../../local/durableHost/registry';
import { EmbeddedFactory } from '../../local/embeddedFactory';
import { createPorts, type Ports } from '../../platform/config';
import { parseRunOptions, type RunOptionsInput } from '../../runs/runOptions';
import { startRun } from '../../runs/startRun';

export interface TestFactory {
  factory: EmbeddedFactory;
  composition: Composition;
  ports: Ports;
  home: string;
  start(vision: string, options?: RunOptionsInput, runId?: string): Promise<string>;
  waitFor(
    runId: string,
    predicate: (status: string) => boolean,
    timeoutMs?: number,
    tenantId?: string,
  ): Promise<string>;
  /** Stops the factory; removes its home unless the caller gave one. */
  close(): Promise<void>;
}

/**
 * The whole factory app on an embedded host in a FACTORY_HOME of its own (a temporary one unless given), with the
 * embedded adapters; agents get the adapters the process's settings ask for, or those given in `agents`.
 */
export async function startTestFactory(
  options: {
    maxPayloadBytes?: number;
    env?: NodeJS.ProcessEnv;
    home?: string;
    agents?: Partial<AgentPorts>;
    /** A manual clock lets a test move durable time (timers, approval deadlines) forward. */
    clock?: Clock;
    /** The test's own registrations (fake agents) over the app's; see `registerInto`. */
    registry?: FunctionRegistry;
  } = {},
): Promise<TestFactory> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'factory-test-'));
  // Settings as the app reads them (connection strings of local servers); none means the embedded adapters.
  const ports = createPorts(options.env ?? {}, home);
  const composition = composeFromSettings(process.env, home, { ports, agents: options.agents });
  const factory = await EmbeddedFactory.start({
    composition,
    maxPayloadBytes: options.maxPayloadBytes,
    clock: options.clock,
    registry: options.registry,
  });
  return {
    factory,
    composition,
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
      // A home this harness made is its own to remove: long suites start many factories.
      if (!options.home) rmSync(home, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}
