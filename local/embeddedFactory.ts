import * as df from 'durable-functions';
import { InvocationContext } from '@azure/functions';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { useComposition, type Composition } from '../functions/compositionRoot';
import { alive } from '../platform/deployment/detachedProcess';
import { runInstanceId } from '../platform/runs/instanceIds';
import type { Clock } from './durableHost/clock';
import {
  durableClientBindingData,
  startClientApiServer,
  type ClientApiServer,
} from './durableHost/clientApi';
import { DurableHost, type InstanceStatus, type TraceEntry } from './durableHost/durableHost';
import { installFunctionsCore } from './durableHost/functionsCore';
import type { FunctionRegistration, FunctionRegistry } from './durableHost/registry';

export interface EmbeddedFactoryOptions {
  /** The adapters the app's functions work with; durable state and the host lock live in its home. */
  composition: Composition;
  /** The functions the host runs: by default the process-wide registry the app registers into. */
  registry?: FunctionRegistry;
  clock?: Clock;
  maxConcurrentActivities?: number;
  maxPayloadBytes?: number;
  log?: (level: string, message: string) => void;
  /** False for commands that only read or signal (status, approve, cancel): no work is processed. */
  process?: boolean;
}

export class HomeLockedError extends Error {
  override name = 'HomeLockedError';
}

/** One processing host per FACTORY_HOME: a second one would run the same activities twice. */
function lockHome(factoryHome: string): () => void {
  const file = join(factoryHome, 'host.lock');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch {
    const holder = Number(readFileSync(file, 'utf8'));
    if (holder && holder !== process.pid && alive(holder)) {
      throw new HomeLockedError(
        `another factory process (pid ${holder}) is processing runs in ${factoryHome}; use it, or stop it first`,
      );
    }
    writeFileSync(file, String(process.pid));
  }
  return () => {
    try {
      if (Number(readFileSync(file, 'utf8')) === process.pid) unlinkSync(file);
    } catch {
      // already gone
    }
  };
}

/** host.json's activity concurrency, the embedded host's default as the Functions host's. */
export function hostJsonActivityConcurrency(): number | undefined {
  const file = resolve(
    __dirname,
    '..',
    existsSync(resolve(__dirname, '..', 'host.json')) ? '' : '..',
    'host.json',
  );
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as {
      extensions?: { durableTask?: { maxConcurrentActivityFunctions?: number } };
    };
    return json.extensions?.durableTask?.maxConcurrentActivityFunctions;
  } catch {
    return undefined;
  }
}

/**
 * The factory's Functions app on the embedded durable host: registrations captured through
 * `@azure/functions-core`, the durable client API served on loopback, durable state under FACTORY_HOME.
 */
export class EmbeddedFactory {
  private constructor(
    readonly registry: FunctionRegistry,
    readonly host: DurableHost,
    private readonly clientApi: ClientApiServer,
    private readonly unlock: () => void,
  ) {}

  static async start(options: EmbeddedFactoryOptions): Promise<EmbeddedFactory> {
    const appRegistry = installFunctionsCore();
    // Loading the app registers every trigger, orchestrator and activity into the process-wide registry.
    require('../functions');
    const registry = options.registry ?? appRegistry;
    const home = options.composition.home;
    mkdirSync(home, { recursive: true });
    const processing = options.process !== false;
    const unlock = processing ? lockHome(home) : () => undefined;
    const host = new DurableHost({
      registry,
      databaseFile: join(home, 'durable.db'),
      clock: options.clock,
      maxConcurrentActivities: options.maxConcurrentActivities ?? hostJsonActivityConcurrency() ?? 10,
      maxPayloadBytes: options.maxPayloadBytes,
      log: options.log,
    });
    const clientApi = await startClientApiServer(host);
    const factory = new EmbeddedFactory(registry, host, clientApi, unlock);
    // The functions this host runs work with its adapters; the run reports they write show every agent execution
    // on their timeline.
    useComposition({
      ...options.composition,
      activityTrace: (tenantId, runId) => factory.runTrace(tenantId, runId),
    });
    if (processing) host.start();
    return factory;
  }

  /** The durable status of a tenant's run: its orchestration's, found by the run's instance id. */
  runStatus(tenantId: string, runId: string): InstanceStatus | undefined {
    return this.host.getStatus(runInstanceId(tenantId, runId));
  }

  /** The activity executions of a tenant's run and its phases, in start order. */
  runTrace(tenantId: string, runId: string): TraceEntry[] {
    return this.host.trace(runInstanceId(tenantId, runId));
  }

  /** Binding data of a `durableClient` input, as the Functions host provides it. */
  clientBindingData() {
    return durableClientBindingData(this.clientApi.baseUrl, this.clientApi.systemKey);
  }

  /** Fills a function's `durableClient` inputs before it is invoked. */
  fillInputs = (registration: FunctionRegistration, context: InvocationContext): void => {
    for (const input of context.options.extraInputs) {
      if (input.type === 'durableClient' || input.type === 'orchestrationClient')
        context.extraInputs.set(input, this.clientBindingData());
    }
    void registration;
  };

  /** The durable client, obtained exactly as a function obtains it (`df.getClient(context)`). */
  client(): df.DurableClient {
    const input = df.input.durableClient();
    const context = new InvocationContext({
      functionName: 'factory-cli',
      options: { trigger: { name: 'cli', type: 'cli' }, extraInputs: [input], extraOutputs: [] },
    });
    context.extraInputs.set(input, this.clientBindingData());
    return df.getClient(context);
  }

  async stop(): Promise<void> {
    await this.host.stop();
    useComposition(undefined);
    await new Promise<void>((resolveClose) => this.clientApi.server.close(() => resolveClose()));
    this.clientApi.server.closeAllConnections?.();
    this.host.close();
    this.unlock();
  }
}
