import { createTelemetry, type Telemetry } from '../../platform/telemetry';
import { flushTelemetryOnWorkerHooks, type WorkerHooks } from '../../platform/telemetry/functionsWorker';
import { startIngestionServer, type IngestionServer } from './ingestionServer';

const iKey = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

/** Records the handlers registered through `app.hook`, as the Functions worker would. */
function recordingHooks() {
  const handlers: { postInvocation: Array<() => unknown>; appTerminate: Array<() => unknown> } = {
    postInvocation: [],
    appTerminate: [],
  };
  const disposable = { dispose: () => undefined };
  const hooks = {
    postInvocation: (handler: () => unknown) => (handlers.postInvocation.push(handler), disposable),
    appTerminate: (handler: () => unknown) => (handlers.appTerminate.push(handler), disposable),
  } as unknown as WorkerHooks;
  return { hooks, handlers };
}

describe('telemetry on Functions worker hooks', () => {
  let server: IngestionServer;
  let t: Telemetry | undefined;
  beforeEach(async () => {
    server = await startIngestionServer();
    // A long export interval: only a flush sends anything during the test.
    t = createTelemetry(
      { APPLICATIONINSIGHTS_CONNECTION_STRING: server.connectionString(iKey) },
      { ...server.options, intervalMs: 60_000 },
    );
  });
  afterEach(async () => {
    await t?.shutdown();
    await server.close();
  });

  it('registers one post-invocation and one app-terminate hook', () => {
    const { hooks, handlers } = recordingHooks();
    flushTelemetryOnWorkerHooks(hooks, () => t!);
    expect(handlers.postInvocation).toHaveLength(1);
    expect(handlers.appTerminate).toHaveLength(1);
  });

  it('sends what an invocation recorded when the invocation ends', async () => {
    const { hooks, handlers } = recordingHooks();
    flushTelemetryOnWorkerHooks(hooks, () => t!);
    t!.event('InvocationDone', { runId: 'r1' });
    expect(server.envelopes).toHaveLength(0);
    await handlers.postInvocation[0]();
    expect(server.envelopes.map((e) => e.data.baseData.name)).toContain('InvocationDone');
  });

  it('shuts the providers down when the worker terminates, sending what is left', async () => {
    const { hooks, handlers } = recordingHooks();
    flushTelemetryOnWorkerHooks(hooks, () => t!);
    t!.event('LastWords', {});
    await handlers.appTerminate[0]();
    expect(server.envelopes.map((e) => e.data.baseData.name)).toContain('LastWords');
    // After shutdown nothing more is exported.
    t!.event('TooLate', {});
    await t!.flush();
    expect(server.envelopes.map((e) => e.data.baseData.name)).not.toContain('TooLate');
  });

  it('does not hold an invocation longer than the bound when ingestion hangs', async () => {
    const { hooks, handlers } = recordingHooks();
    const hanging = {
      enabled: true,
      flush: () => new Promise<void>(() => undefined),
    } as unknown as Telemetry;
    flushTelemetryOnWorkerHooks(hooks, () => hanging, 50);
    const started = Date.now();
    await handlers.postInvocation[0]();
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
