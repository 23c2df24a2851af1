// Faults in dependencies: Blob Storage, Cosmos DB and Service Bus (local servers behind a fault proxy) each
// become unreachable for a few seconds in the middle of a run; the affected calls retry and the run completes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { phaseInstanceId, runInstanceId } from '../../platform/runs/instanceIds';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';
import { startAzureServers, startFaultProxy, type AzureServers, type FaultProxy } from '../support/servers';
import { root } from './support';

const outageMs = Number(process.env.CHAOS_OUTAGE_MS ?? 4000);
const vision = readFileSync(join(root, 'examples/visions/community-garden-plots.md'), 'utf8');
const portOf = (url: string) => Number(new URL(url).port);

describe(`faults in dependencies: each server unreachable for ${outageMs} ms mid-run`, () => {
  let servers: AzureServers;
  let proxies: Record<'blob' | 'cosmos' | 'bus', FaultProxy>;
  let t: TestFactory;

  beforeAll(async () => {
    servers = await startAzureServers();
    const { blob, cosmos, bus } = servers;
    proxies = {
      blob: await startFaultProxy(portOf(blob.blobEndpoint)),
      cosmos: await startFaultProxy(portOf(cosmos.endpoint)),
      bus: await startFaultProxy(bus.port),
    };
    t = await startTestFactory({
      env: {
        ArtifactStorage: proxies.blob.route(blob.connectionString),
        CosmosConnection: proxies.cosmos.route(cosmos.connectionString),
        ServiceBusConnection: proxies.bus.route(bus.connectionString),
      },
    });
  }, 60000);

  afterAll(async () => {
    await t?.close();
    await Promise.all(Object.values(proxies ?? {}).map((p) => p.stop()));
    await servers?.stop();
  });

  /** Resolves once the run's orchestration for `phase` exists, or the run has ended. */
  const phaseStarted = async (runId: string, phase: string) => {
    for (;;) {
      if (t.factory.host.getStatus(phaseInstanceId(runInstanceId('test', runId), phase, 1, 1))) return;
      const run = t.factory.runStatus('test', runId)?.runtimeStatus;
      if (run && run !== 'Running' && run !== 'Pending') throw new Error(`run ${runId} ended ${run}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  // Each outage starts where that dependency is busiest: artifacts in the development fan-out, the run document
  // at the start of testing (every agent reads it), events when deployment begins.
  const cases = [
    { dependency: 'blob', during: 'architecture-to-development' },
    { dependency: 'cosmos', during: 'development-to-testing' },
    { dependency: 'bus', during: 'testing-to-deployment' },
  ] as const;

  for (const { dependency, during } of cases) {
    it(`${dependency} down during ${during}: the run completes with every artifact and event once`, async () => {
      const runId = `outage-${dependency}`;
      await t.start(vision, {}, runId);
      await phaseStarted(runId, during);
      const before = proxies[dependency].stats();
      await proxies[dependency].outage(outageMs);
      const during_ = proxies[dependency].stats();
      const hit = during_.reset - before.reset + (during_.refused - before.refused);

      // Waits on the durable host, not the run document: polling Cosmos DB would add the test's own traffic.
      const final = await t.factory.host.waitForCompletion(runInstanceId('test', runId), 300000);
      if (final?.runtimeStatus !== 'Completed') {
        const open = t.factory.runTrace('test', runId).filter((a) => a.outcome !== 'completed');
        console.log(
          `${runId} ${final?.runtimeStatus}; unfinished or failed: ${JSON.stringify(open, null, 1)}`,
        );
      }
      expect(final?.runtimeStatus).toBe('Completed');
      const failed = t.factory.runTrace('test', runId).filter((a) => a.outcome === 'failed');
      console.log(
        `${dependency} down ${outageMs} ms during ${during}: ${during_.reset - before.reset} open connections reset, ` +
          `${during_.refused - before.refused} connection attempts refused, ${failed.length} activity executions ` +
          `failed and were retried${failed.length ? `: ${failed.map((a) => `${a.functionName} (${a.error?.split('\n')[0]})`).join('; ')}` : ''}`,
      );
      // The outage met the run's traffic: connections were cut or refused while it lasted.
      expect(hit).toBeGreaterThan(0);

      // Nothing lost or doubled: every artifact reads back with its sha256, every event is on the topic once.
      const artifacts = await t.ports.artifacts.list('test', runId);
      expect(artifacts.length).toBeGreaterThan(100);
      for (const artifact of artifacts) await t.ports.artifacts.get('test', runId, artifact.path);
      const events = await t.ports.runs.listEvents('test', runId);
      expect(events.every((e) => e.published)).toBe(true);
      const onTopic = servers.bus
        .peek('factory-events/subscriptions/all')
        .filter((m) => m.message.subject === runId)
        .map((m) => m.message.message_id);
      expect(onTopic).toEqual(events.map((e) => e.id));
      const doc = await t.ports.runs.get('test', runId);
      expect(doc?.phases.map((p) => p.status)).toEqual(Array(6).fill('Completed'));
    }, 360000);
  }
});
