import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { composition, type Composition } from '../compositionRoot';
import { handle } from './handle';
import { jsonResponse } from './runAccess';

/** A probe that takes longer than this counts as down: health must answer even when a dependency hangs. */
const probeTimeoutMs = 3000;
/** Probes only read, under a tenant name of their own: what they find does not matter, that they get an answer does. */
const probeTenant = 'health-probe';

interface Check {
  adapter?: string;
  ok: boolean;
  ms: number;
  probe: string;
  error?: string;
}

async function probe(
  adapter: string | undefined,
  description: string,
  work: () => Promise<unknown>,
): Promise<Check> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      work(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${probeTimeoutMs} ms`)), probeTimeoutMs);
      }),
    ]);
    return { ...(adapter ? { adapter } : {}), ok: true, ms: Date.now() - started, probe: description };
  } catch (error) {
    // Anonymous callers see the error's kind and a short message, never a stack.
    const err = error as Error;
    return {
      ...(adapter ? { adapter } : {}),
      ok: false,
      ms: Date.now() - started,
      probe: description,
      error: `${err.name}: ${String(err.message).split('\n')[0].slice(0, 160)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * GET /api/health (anonymous): each dependency with its adapter and a cheap read-only probe; 200 when all
 * answer, 503 otherwise. The event bus port has no read operation: an adapter that offers `probe()` is
 * probed with it, otherwise only its adapter name is reported (`probe: "none"`).
 */
export const healthHandler = handle('anonymous', async (call) => {
  let chosen: Composition['ports'] | undefined;
  let setupError: string | undefined;
  try {
    chosen = composition().ports;
  } catch (error) {
    setupError = `${(error as Error).name}: ${String((error as Error).message)
      .split('\n')[0]
      .slice(0, 160)}`;
  }
  const down = (): Promise<Check> =>
    Promise.resolve({ ok: false, ms: 0, probe: 'adapters', error: setupError });
  const bus = chosen?.events as
    (NonNullable<typeof chosen>['events'] & { probe?: () => Promise<unknown> }) | undefined;
  const [runStore, artifactStore, eventBus, durableClient] = await Promise.all([
    chosen
      ? probe(chosen.runs.adapter, 'list one run', () => chosen.runs.list(probeTenant, { limit: 1 }))
      : down(),
    chosen
      ? probe(chosen.artifacts.adapter, 'read one manifest entry', () =>
          chosen.artifacts.head(probeTenant, 'probe', 'probe'),
        )
      : down(),
    !bus
      ? down()
      : typeof bus.probe === 'function'
        ? probe(bus.adapter, 'adapter probe', () => bus.probe!())
        : Promise.resolve<Check>({ adapter: bus.adapter, ok: true, ms: 0, probe: 'none' }),
    probe(undefined, 'query instances', () =>
      call.client().getStatusBy({ createdTimeFrom: new Date(Date.now() + 86_400_000) }),
    ),
  ]);
  const checks = { runStore, artifactStore, eventBus, durableClient };
  const healthy = Object.values(checks).every((c) => c.ok);
  return jsonResponse(healthy ? 200 : 503, { status: healthy ? 'healthy' : 'unhealthy', checks });
});

app.http('apiHealth', {
  route: 'health',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: healthHandler,
});
