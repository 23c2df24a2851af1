// Embedded durable host throughput and replay cost. Run with `npm run bench` (after build).
import { installFunctionsCore } from '../local/durableHost/functionsCore';
const registry = installFunctionsCore();
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { mkdtempSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DurableHost } from '../local/durableHost/durableHost';

df.app.activity('benchNoop', { handler: (n: unknown) => n });
df.app.orchestration('benchSequential', function* (context: OrchestrationContext) {
  const n = context.df.getInput() as number;
  for (let i = 0; i < n; i++) yield context.df.callActivity('benchNoop', i);
  return n;
});
df.app.orchestration('benchFanOut', function* (context: OrchestrationContext) {
  const n = context.df.getInput() as number;
  const results = (yield context.df.Task.all(
    Array.from({ length: n }, (_, i) => context.df.callActivity('benchNoop', i)),
  )) as number[];
  return results.length;
});

async function timed(host: DurableHost, name: string, input: number): Promise<number> {
  const started = performance.now();
  const id = host.startNew(name, { input });
  const status = await host.waitForCompletion(id);
  if (status?.runtimeStatus !== 'Completed')
    throw new Error(`${name} ended ${status?.runtimeStatus}: ${JSON.stringify(status?.output)}`);
  return performance.now() - started;
}

export async function benchDurableHost(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-durable-'));
  const host = new DurableHost({
    registry,
    databaseFile: join(dir, 'durable.db'),
    maxConcurrentActivities: 10,
  });
  host.start();
  const results: Record<string, unknown> = {};
  try {
    const sequential = 300;
    const seqMs = await timed(host, 'benchSequential', sequential);
    results.sequentialActivitiesPerSecond = Math.round((sequential / seqMs) * 1000);
    const fan = 1000;
    const fanMs = await timed(host, 'benchFanOut', fan);
    results.fanOutActivitiesPerSecond = Math.round((fan / fanMs) * 1000);

    // Replay cost: one episode over a history of N events (each activity adds TaskScheduled + TaskCompleted
    // plus the episode markers), measured as the time of the last step of a sequence.
    const replay: Record<string, number> = {};
    for (const events of [100, 1000, 5000]) {
      const steps = Math.round(events / 4);
      const id = host.startNew('benchSequential', { input: steps });
      await host.waitForCompletion(id);
      const history = host.getStatus(id, { showHistory: true })!.history!.length;
      const registration = registry.require('benchSequential', 'orchestrationTrigger');
      const { runEpisode } = await import('../local/durableHost/orchestrationEpisode');
      const past = host.store
        .history(id)
        .filter((e) => e.EventType !== 1)
        .map((e) => ({ ...e, IsPlayed: true }));
      const rounds = 5;
      const started = performance.now();
      for (let i = 0; i < rounds; i++) {
        await runEpisode({
          registration,
          instanceId: id,
          parentInstanceId: null,
          input: steps,
          history: past,
          now: new Date(),
          log: () => undefined,
        });
      }
      replay[`${history} events`] = Number(((performance.now() - started) / rounds).toFixed(2));
    }
    results.replayMsPerEpisode = replay;
  } finally {
    await host.stop();
    host.close();
  }
  return results;
}

if (require.main === module) {
  void benchDurableHost().then((results) => {
    process.stdout.write(
      `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`,
    );
    process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  });
}
