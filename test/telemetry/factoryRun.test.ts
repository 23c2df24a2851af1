import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeFromSettings } from '../../functions/compositionRoot';
import { EmbeddedFactory } from '../../local/embeddedFactory';
import { createPorts, type Ports } from '../../platform/config';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { createTelemetry, flushTelemetry, telemetry, useTelemetry } from '../../platform/telemetry';
import { startRun } from '../../runs/startRun';
import { metricNames } from '../../telemetry';
import { startIngestionServer, type Envelope, type IngestionServer } from './ingestionServer';

const vision = `# PlotShare

Our community garden has 48 raised beds and a waiting list kept in a notebook. PlotShare helps the garden
committee allocate plots fairly. Gardeners apply for a plot each season. Each plot has a number, a size in
square metres and an annual fee. Coordinators review applications and offer plots to applicants in the order
they applied. Gardeners accept or decline an offer within 7 days.

A gardener may hold at most one plot per season.

We want every plot allocated within 2 weeks of the season opening.
`;

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpan = '00f067aa0ba902b7';
const iKey = '11111111-2222-4333-8444-555555555555';

const dims = (e: Envelope) => (e.data.baseData.properties ?? {}) as Record<string, string>;
const byType = (envelopes: Envelope[], baseType: string) =>
  envelopes.filter((e) => e.data.baseType === baseType);
const named = (envelopes: Envelope[], prefix: string) =>
  envelopes.filter((e) => String(e.data.baseData.name).startsWith(prefix));

describe('telemetry of a factory run, end to end', () => {
  let home: string;
  let ingestion: IngestionServer;
  let factory: EmbeddedFactory;
  let ports: Ports;
  let runId: string;
  let outcome: string | undefined;
  let runStatus: string | undefined;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'factory-telemetry-'));
    ingestion = await startIngestionServer();
    // The exporters' own intervals: items go out in batches while the run goes on, the rest at the flush.
    useTelemetry(
      createTelemetry(
        {
          APPLICATIONINSIGHTS_CONNECTION_STRING: `${ingestion.connectionString(iKey)};LiveEndpoint=https://x/`,
        },
        ingestion.options,
      ),
    );
    ports = createPorts({}, home);
    factory = await EmbeddedFactory.start({ composition: composeFromSettings(process.env, home, { ports }) });
    const { doc } = await startRun(ports, factory.client(), {
      tenantId: 'acme',
      vision,
      options: { approvals: [], iterations: 1, model: 'blueprint', maxReworks: 1 },
      traceparent: `00-${traceId}-${callerSpan}-01`,
    });
    runId = doc.id;
    outcome = (await factory.host.waitForCompletion(runInstanceId('acme', runId), 420_000))?.runtimeStatus;
    runStatus = (await ports.runs.get('acme', runId))?.status;
    await flushTelemetry();
  }, 480_000);

  afterAll(async () => {
    await factory?.stop();
    await ports?.close();
    await telemetry().shutdown();
    useTelemetry(undefined);
    await ingestion?.close();
    rmSync(home, { recursive: true, force: true });
  });

  // The run's own outcome depends on every phase's agents and gates; telemetry must describe either ending.
  const ending = () => (runStatus === 'Completed' ? 'RunCompleted' : 'RunFailed');

  it('ends the run and sends its telemetry to the ingestion endpoint', () => {
    expect(outcome).toBe('Completed');
    expect(['Completed', 'Failed', 'Rejected']).toContain(runStatus);
    expect(ingestion.requests.length).toBeGreaterThan(0);
    expect(ingestion.requests.every((r) => r.path === '/v2.1/track')).toBe(true);
    expect(
      ingestion.envelopes.every((e) => e.iKey === iKey && e.tags['ai.cloud.role'] === 'software-factory'),
    ).toBe(true);
  });

  it('puts every item of the run into one operation: the starter trace id', () => {
    // Metrics are aggregates, not items of an operation: they carry the run in their dimensions only.
    const ofRun = ingestion.envelopes.filter(
      (e) => dims(e).runId === runId && e.data.baseType !== 'MetricData',
    );
    expect(ofRun.length).toBeGreaterThan(20);
    expect(new Set(ofRun.map((e) => e.tags['ai.operation.id']))).toEqual(new Set([traceId]));
  });

  it('records the run as a request under the caller span, phases under the run, agents and gates under their phase', () => {
    const requests = byType(ingestion.envelopes, 'RequestData');
    expect(requests).toHaveLength(1);
    const run = requests[0];
    expect(run.data.baseData).toMatchObject({ name: 'factory run', success: runStatus === 'Completed' });
    expect(run.tags['ai.operation.parentId']).toBe(callerSpan);
    expect(dims(run)).toMatchObject({ runId, tenantId: 'acme' });

    const dependencies = byType(ingestion.envelopes, 'RemoteDependencyData');
    const phaseSpans = named(dependencies, 'phase ');
    expect(phaseSpans.map((p) => dims(p).phase)).toEqual(expect.arrayContaining(['vision-to-architecture']));
    for (const phase of phaseSpans) expect(phase.tags['ai.operation.parentId']).toBe(run.data.baseData.id);
    const phaseIds = new Set(phaseSpans.map((p) => p.data.baseData.id));

    const agents = named(dependencies, 'agent ');
    expect(agents.length).toBeGreaterThan(3);
    for (const agent of agents) {
      expect(phaseIds.has(agent.tags['ai.operation.parentId'])).toBe(true);
      expect(dims(agent)).toMatchObject({ runId, tenantId: 'acme' });
      expect(dims(agent).agent).toBeTruthy();
      expect(dims(agent).phase).toBeTruthy();
    }
    const gates = named(dependencies, 'quality gate ');
    expect(gates.length).toBe(phaseSpans.length);
    for (const gate of gates) expect(phaseIds.has(gate.tags['ai.operation.parentId'])).toBe(true);

    const publishes = named(dependencies, 'publish factory.');
    expect(publishes.map((p) => p.data.baseData.name)).toEqual(
      expect.arrayContaining([
        'publish factory.RunStarted',
        'publish factory.PhaseCompleted',
        `publish factory.${ending()}`,
      ]),
    );
  });

  it('sends the custom events the workbook and alerts read, with their dimensions', () => {
    const events = byType(ingestion.envelopes, 'EventData');
    const names = events.map((e) => e.data.baseData.name);
    expect(names).toEqual(
      expect.arrayContaining(['RunStarted', 'PhaseStarted', 'PhaseCompleted', 'QualityGatePassed', ending()]),
    );
    expect(names.filter((n) => n === 'RunCompleted' || n === 'RunFailed')).toEqual([ending()]);
    const end = events.find((e) => e.data.baseData.name === ending())!;
    expect(dims(end)).toMatchObject({ runId, tenantId: 'acme' });
    const gate = events.find((e) => e.data.baseData.name === 'QualityGatePassed')!;
    expect(dims(gate)).toMatchObject({
      runId,
      tenantId: 'acme',
      phase: expect.any(String),
      gate: expect.any(String),
    });
  });

  it('sends the metrics: agent duration, tokens per agent, phase duration, gate pass rate and the run totals', () => {
    // Each metric data point aggregates the measurements with the same dimensions in one export interval.
    const metrics = byType(ingestion.envelopes, 'MetricData').map((e) => ({
      ...(e.data.baseData.metrics as Array<{ name: string; value: number; count: number }>)[0],
      dims: dims(e),
    }));
    const points = (name: string) => metrics.filter((m) => m.name === name && m.dims.runId === runId);
    const count = (name: string) => points(name).reduce((sum, m) => sum + m.count, 0);
    expect(count(metricNames.agentDuration)).toBeGreaterThan(3);
    expect(
      points(metricNames.tokensUsed).every((m) => m.dims.agent && m.dims.phase && m.dims.tenantId === 'acme'),
    ).toBe(true);
    expect(count(metricNames.tokensUsed)).toBe(count(metricNames.agentDuration));
    expect(count(metricNames.phaseDuration)).toBeGreaterThan(0);
    expect(points(metricNames.gatePassRate).every((m) => m.value >= 0 && m.value <= m.count)).toBe(true);
    expect(points(metricNames.iterationsPerRun)).toEqual([expect.objectContaining({ value: 1, count: 1 })]);
    expect(points(metricNames.runAgentCalls)[0].value).toBe(count(metricNames.agentDuration));
  });

  it('gives each published CloudEvent the traceparent of its publishing span', async () => {
    const events = await ports.runs.listEvents('acme', runId);
    const spans = new Set(byType(ingestion.envelopes, 'RemoteDependencyData').map((d) => d.data.baseData.id));
    for (const event of events) {
      const [, trace, span] = event.traceparent!.split('-');
      expect(trace).toBe(traceId);
      expect(spans.has(span)).toBe(true);
    }
  });
});
