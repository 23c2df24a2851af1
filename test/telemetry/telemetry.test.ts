import {
  BreezeExporter,
  createTelemetry,
  formatTraceparent,
  parseTraceparent,
  readIngestionSettings,
  recordModelUsage,
  runOperationId,
  RunTrace,
  Telemetry,
  traceAgent,
  trackCommandDeadLettered,
  useTelemetry,
  type Envelope,
} from '../../platform/telemetry';
import { startIngestionServer, type IngestionServer } from './ingestionServer';

const iKey = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe('connection string', () => {
  it('reads the instrumentation key, the ingestion endpoint and AAD authentication', () => {
    expect(readIngestionSettings({})).toBeUndefined();
    expect(
      readIngestionSettings({
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${iKey};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://x/`,
      }),
    ).toEqual({
      instrumentationKey: iKey,
      ingestionEndpoint: 'https://westeurope-5.in.applicationinsights.azure.com',
    });
    expect(
      readIngestionSettings({
        APPLICATIONINSIGHTS_CONNECTION_STRING: `instrumentationkey=${iKey}`,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${iKey}`,
      }),
    ).toEqual({
      instrumentationKey: iKey,
      ingestionEndpoint: 'https://dc.services.visualstudio.com',
      aad: { clientId: iKey },
    });
  });

  it.each([
    ['IngestionEndpoint=https://x', /InstrumentationKey is missing/],
    ['InstrumentationKey=secret-value', /InstrumentationKey is not a GUID/],
    [`InstrumentationKey=${iKey};IngestionEndpoint=ftp://x`, /IngestionEndpoint must be http\(s\)/],
    [`InstrumentationKey=${iKey};IngestionEndpoint=not a url`, /IngestionEndpoint is not a URL/],
    ['garbage', /malformed/],
  ])('rejects %s clearly, without echoing values', (value, message) => {
    const attempt = () => readIngestionSettings({ APPLICATIONINSIGHTS_CONNECTION_STRING: value });
    expect(attempt).toThrow(message);
    expect(attempt).toThrow(/^setting APPLICATIONINSIGHTS_CONNECTION_STRING: /);
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-value');
    }
  });

  it('accepts only AAD as the authentication string', () => {
    expect(() =>
      readIngestionSettings({
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${iKey}`,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=Key',
      }),
    ).toThrow(/only Authorization=AAD/);
  });
});

describe('trace context', () => {
  it('parses and formats W3C traceparent, refusing invalid ones', () => {
    const value = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(parseTraceparent(value)).toEqual({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      sampled: true,
    });
    expect(
      formatTraceparent({
        traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
        spanId: '00f067aa0ba902b7',
        sampled: true,
      }),
    ).toBe(value);
    expect(() => parseTraceparent('00-00000000000000000000000000000000-00f067aa0ba902b7-01')).toThrow(
      /all-zero trace id/,
    );
    expect(() => parseTraceparent('ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toThrow(
      /version ff/,
    );
    expect(() => parseTraceparent('nope')).toThrow(/not a W3C trace context/);
  });

  it('gives every process the same run and phase spans; a run without a starter trace gets its own', () => {
    const a = new RunTrace('run-1');
    const b = new RunTrace('run-1');
    expect(a.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.run()).toEqual(b.run());
    expect(a.phase('vision-to-architecture', 1, 2)).toEqual(b.phase('vision-to-architecture', 1, 2));
    expect(a.phase('vision-to-architecture', 1, 2).parentSpanId).toBe(a.run().spanId);
    expect(a.phase('vision-to-architecture', 1, 2).spanId).not.toBe(
      a.phase('vision-to-architecture', 1, 3).spanId,
    );
    expect(new RunTrace('run-2').traceId).not.toBe(a.traceId);
    const started = new RunTrace('run-1', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01');
    expect(started.run()).toMatchObject({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      parentSpanId: '00f067aa0ba902b7',
    });
    // A malformed value in a durable input cannot be refused any more: the run still gets one trace.
    expect(new RunTrace('run-1', 'garbage').traceId).toBe(a.traceId);
    // Runs are traced by their instance id: two tenants' runs of one run id are two traces.
    expect(runOperationId('tenant-a', 'run-1')).not.toBe(runOperationId('tenant-b', 'run-1'));
  });
});

describe('Breeze exporter', () => {
  let server: IngestionServer;
  beforeEach(async () => {
    server = await startIngestionServer();
  });
  afterEach(() => server.close());

  const envelope = (n: number): Envelope => ({
    name: 'Microsoft.ApplicationInsights.Event',
    time: new Date().toISOString(),
    iKey,
    tags: {},
    data: { baseType: 'EventData', baseData: { ver: 2, name: `e${n}` } },
  });

  it('sends batches to /v2.1/track with a bearer token when AAD is configured', async () => {
    const errors: string[] = [];
    const exporter = new BreezeExporter(
      { instrumentationKey: iKey, ingestionEndpoint: server.url },
      {
        maxBatch: 2,
        flushIntervalMs: 60_000,
        tokenSource: async () => 'token-1',
        onError: (m) => errors.push(m),
      },
    );
    for (let i = 0; i < 5; i++) exporter.export(envelope(i));
    await exporter.flush();
    expect(server.envelopes.map((e) => e.data.baseData.name)).toEqual(['e0', 'e1', 'e2', 'e3', 'e4']);
    expect(server.requests).toHaveLength(3);
    expect(
      server.requests.every((r) => r.headers.authorization === 'Bearer token-1' && r.path === '/v2.1/track'),
    ).toBe(true);
    expect(exporter.stats).toMatchObject({ sent: 5, rejected: 0, dropped: 0 });
    expect(errors).toEqual([]);
  });

  it('sends again once after a retriable answer, and drops after a permanent one', async () => {
    const errors: string[] = [];
    const exporter = new BreezeExporter(
      { instrumentationKey: iKey, ingestionEndpoint: server.url },
      { flushIntervalMs: 60_000, onError: (m) => errors.push(m) },
    );
    server.failNext(503);
    exporter.export(envelope(1));
    await exporter.flush();
    expect(server.envelopes.map((e) => e.data.baseData.name)).toEqual(['e1']);
    server.failNext(400);
    exporter.export(envelope(2));
    await exporter.flush();
    expect(server.envelopes).toHaveLength(1);
    expect(exporter.stats.rejected).toBe(1);
    expect(errors.join('\n')).toMatch(/503[\s\S]*400/);
  });

  it('keeps items while the endpoint is unreachable and sends them at the next flush', async () => {
    const errors: string[] = [];
    const down = new BreezeExporter(
      { instrumentationKey: iKey, ingestionEndpoint: 'http://127.0.0.1:1' },
      { flushIntervalMs: 60_000, timeoutMs: 2000, onError: (m) => errors.push(m) },
    );
    down.export(envelope(7));
    await down.flush();
    expect(errors[0]).toMatch(/unreachable/);
    expect(down.stats.failedRequests).toBe(1);
    // The same items, now pointed at a live endpoint (as after a network blip).
    Object.assign(down.settings, { ingestionEndpoint: server.url });
    await down.flush();
    expect(server.envelopes.map((e) => e.data.baseData.name)).toEqual(['e7']);
  });

  it('flushes on its own after the interval', async () => {
    const exporter = new BreezeExporter(
      { instrumentationKey: iKey, ingestionEndpoint: server.url },
      { flushIntervalMs: 50 },
    );
    exporter.export(envelope(3));
    for (let i = 0; i < 40 && server.envelopes.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.envelopes).toHaveLength(1);
  });
});

describe('telemetry API', () => {
  it('is a no-op without a connection string', async () => {
    const t = createTelemetry({});
    expect(t.enabled).toBe(false);
    await expect(
      t.withSpan({ kind: 'dependency', name: 'x', span: new RunTrace('r').run(), dims: {} }, async () => 42),
    ).resolves.toBe(42);
    await t.flush();
  });

  it('records spans with duration and failure, events and metrics under the ambient span', async () => {
    const sent: Envelope[] = [];
    const t = new Telemetry({ export: (e) => sent.push(e), flush: async () => undefined }, iKey);
    const trace = new RunTrace('run-9');
    const span = trace.child(trace.run());
    await expect(
      t.withSpan(
        { kind: 'dependency', name: 'agent a', span, dims: { runId: 'run-9', agent: 'a' } },
        async () => {
          t.event('Something', { extra: 'yes' });
          t.metric('TokensUsed', 12);
          throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
    const [event, metric, dependency] = sent;
    expect(event.data.baseData).toMatchObject({
      name: 'Something',
      properties: { runId: 'run-9', agent: 'a', extra: 'yes' },
    });
    expect(event.tags['ai.operation.parentId']).toBe(span.spanId);
    expect(metric.data.baseData).toMatchObject({
      metrics: [{ name: 'TokensUsed', value: 12, count: 1, kind: 0 }],
    });
    expect(dependency.data.baseData).toMatchObject({
      id: span.spanId,
      name: 'agent a',
      success: false,
      resultCode: '1',
      type: 'InProc',
      properties: { error: 'Error: boom' },
    });
    expect(dependency.data.baseData.duration).toMatch(/^00:00:\d\d\.\d{3}$/);
    expect(dependency.tags).toMatchObject({
      'ai.operation.id': trace.traceId,
      'ai.operation.parentId': trace.run().spanId,
    });
  });

  it("adds the model usage reported inside an agent span to that agent's TokensUsed", async () => {
    const sent: Envelope[] = [];
    useTelemetry(new Telemetry({ export: (e) => sent.push(e), flush: async () => undefined }, iKey));
    try {
      const input = {
        runId: 'run-3',
        tenantId: 't',
        phase: 'vision-to-architecture' as const,
        iteration: 1,
        attempt: 1,
        model: 'azure-openai',
        manifest: { path: 'm', sha256: 's', kind: 'context-manifest' as const },
        inputs: [],
        feedback: [],
      };
      await traceAgent('visionArchitect', input, async () => {
        recordModelUsage({ promptTokens: 100, completionTokens: 20, estimatedCost: 0.01 });
        recordModelUsage({ promptTokens: 5, completionTokens: 5 });
      });
      expect(() => recordModelUsage({ promptTokens: 1, completionTokens: 1 })).not.toThrow();
      const metrics = sent
        .filter((e) => e.data.baseType === 'MetricData')
        .map((e) => ({
          ...(e.data.baseData.metrics as Array<{ name: string; value: number }>)[0],
          props: e.data.baseData.properties as Record<string, string>,
        }));
      expect(metrics.find((m) => m.name === 'TokensUsed')).toMatchObject({
        value: 130,
        props: {
          agent: 'visionArchitect',
          phase: 'vision-to-architecture',
          tenantId: 't',
          runId: 'run-3',
          promptTokens: '105',
          completionTokens: '25',
        },
      });
      expect(metrics.find((m) => m.name === 'EstimatedCost')).toMatchObject({ value: 0.01 });
      trackCommandDeadLettered({
        type: 'StartRun',
        runId: 'run-3',
        tenantId: 't',
        reason: 'invalid',
        description: 'vision: empty',
      });
      const dead = sent.filter((e) => JSON.stringify(e).includes('CommandsDeadLettered'));
      expect(dead).toHaveLength(1);
      expect(dead[0].tags['ai.operation.id']).toBe(runOperationId('t', 'run-3'));
      await expect(
        traceAgent('x', input, async () => {
          recordModelUsage({ promptTokens: -1, completionTokens: 0 });
        }),
      ).rejects.toThrow(/non-negative/);
    } finally {
      useTelemetry(undefined);
    }
  });
});
