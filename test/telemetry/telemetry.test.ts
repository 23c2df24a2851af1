import type { AccessToken, TokenCredential } from '@azure/identity';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import {
  createTelemetry,
  exporterConnectionString,
  formatTraceparent,
  incomingTraceparent,
  parseTraceparent,
  readIngestionSettings,
  registerOpenTelemetryGlobals,
  RunTrace,
  type Telemetry,
} from '../../platform/telemetry';
import { startIngestionServer, type Envelope, type IngestionServer } from './ingestionServer';

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
        APPLICATIONINSIGHTS_CONNECTION_STRING: `instrumentationkey=${iKey};AADAudience=https://monitor.azure.us/`,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${iKey}`,
      }),
    ).toEqual({
      instrumentationKey: iKey,
      ingestionEndpoint: 'https://dc.services.visualstudio.com',
      aadAudience: 'https://monitor.azure.us/',
      aad: { clientId: iKey },
    });
  });

  it('hands the exporters only the keys they read, with the instrumentation key in lowercase', () => {
    const settings = readIngestionSettings({
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${iKey.toUpperCase()};IngestionEndpoint=https://x.example/;LiveEndpoint=https://y/;AADAudience=https://monitor.azure.us/`,
    })!;
    expect(exporterConnectionString(settings)).toBe(
      `InstrumentationKey=${iKey};IngestionEndpoint=https://x.example;AADAudience=https://monitor.azure.us/`,
    );
  });

  it.each([
    ['IngestionEndpoint=https://x', /InstrumentationKey is missing/],
    ['InstrumentationKey=secret-value', /InstrumentationKey is not a GUID/],
    [`InstrumentationKey=${iKey};IngestionEndpoint=http://x`, /IngestionEndpoint must be https/],
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
  });

  it("continues the invocation's trace context, else a valid traceparent header", () => {
    registerOpenTelemetryGlobals();
    const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(incomingTraceparent(header)).toBe(header);
    expect(incomingTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01')).toBeUndefined();
    expect(incomingTraceparent('not a traceparent')).toBeUndefined();
    expect(incomingTraceparent(null)).toBeUndefined();
    const invocation = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(context.with(invocation, () => incomingTraceparent(header))).toBe(
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    );
  });
});

describe('telemetry through the Azure Monitor exporters', () => {
  let server: IngestionServer;
  let t: Telemetry | undefined;
  beforeEach(async () => {
    server = await startIngestionServer();
  });
  afterEach(async () => {
    await t?.shutdown();
    t = undefined;
    await server.close();
  });

  /** Telemetry sending to the local endpoint; nothing is sent before `flush()`. */
  const telemetryTo = (endpoint: IngestionServer, extra: { credential?: TokenCredential } = {}) =>
    createTelemetry(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: endpoint.connectionString(iKey),
        ...(extra.credential ? { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD' } : {}),
      },
      { exporter: { ...endpoint.options.exporter, ...extra }, intervalMs: 60_000 },
    );
  const ofType = (baseType: string) => server.envelopes.filter((e) => e.data.baseType === baseType);
  const props = (e: Envelope) => e.data.baseData.properties as Record<string, string>;

  it('is a no-op without a connection string', async () => {
    const off = createTelemetry({});
    expect(off.enabled).toBe(false);
    await expect(
      off.withSpan(
        { kind: 'dependency', name: 'x', span: new RunTrace('r').run(), dims: {} },
        async () => 42,
      ),
    ).resolves.toBe(42);
    off.event('Nothing');
    off.metric('Nothing', 1);
    await off.flush();
  });

  it('records spans with the ids they are given, and events, metrics and traces under them, at flush', async () => {
    t = telemetryTo(server);
    const caller = '00f067aa0ba902b7';
    const trace9 = new RunTrace('run-9', `00-4bf92f3577b34da6a3ce929d0e0e4736-${caller}-01`);
    const span = trace9.child(trace9.phase('vision-to-architecture', 1, 1));
    await expect(
      t.withSpan(
        { kind: 'dependency', name: 'agent a', span, dims: { runId: 'run-9', agent: 'a' } },
        async () => {
          t!.event('Something', { extra: 'yes' });
          t!.metric('TokensUsed', 12);
          t!.trace('careful', 2);
          throw new Error('boom');
        },
      ),
    ).rejects.toThrow('boom');
    const started = new Date(Date.now() - 90_000);
    t.span(
      { kind: 'request', name: 'factory run', span: trace9.run(), dims: { runId: 'run-9' } },
      started,
      90_000,
      true,
    );
    expect(server.envelopes).toEqual([]);
    await t.flush();

    expect(
      server.envelopes.every((e) => e.iKey === iKey && e.tags['ai.cloud.role'] === 'software-factory'),
    ).toBe(true);
    expect(server.requests.every((r) => r.path === '/v2.1/track')).toBe(true);
    const [dependency] = ofType('RemoteDependencyData');
    expect(dependency.data.baseData).toMatchObject({ id: span.spanId, name: 'agent a', success: false });
    expect(props(dependency)).toMatchObject({ runId: 'run-9', agent: 'a', error: 'Error: boom' });
    expect(dependency.tags).toMatchObject({
      'ai.operation.id': trace9.traceId,
      'ai.operation.parentId': span.parentSpanId,
    });
    const [request] = ofType('RequestData');
    expect(request.data.baseData).toMatchObject({
      id: trace9.run().spanId,
      name: 'factory run',
      success: true,
    });
    expect(request.data.baseData.duration).toMatch(/^00:01:30/);
    // The SDK keeps times in high resolution; the envelope's millisecond may round either way.
    expect(Math.abs(new Date(request.time).getTime() - started.getTime())).toBeLessThanOrEqual(1);
    expect(request.tags).toMatchObject({
      'ai.operation.id': trace9.traceId,
      'ai.operation.parentId': caller,
    });

    const [event] = ofType('EventData');
    expect(event.data.baseData.name).toBe('Something');
    expect(props(event)).toEqual({ runId: 'run-9', agent: 'a', extra: 'yes' });
    expect(event.tags).toMatchObject({
      'ai.operation.id': trace9.traceId,
      'ai.operation.parentId': span.spanId,
    });
    const [message] = ofType('MessageData');
    expect(message.data.baseData).toMatchObject({ message: 'careful', severityLevel: 'Warning' });
    expect(message.tags['ai.operation.parentId']).toBe(span.spanId);
    const tokens = ofType('MetricData').filter(
      (e) => (e.data.baseData.metrics as Array<{ name: string }>)[0].name === 'TokensUsed',
    );
    expect(tokens).toHaveLength(1);
    expect((tokens[0].data.baseData.metrics as unknown[])[0]).toMatchObject({ value: 12, count: 1 });
    expect(props(tokens[0])).toEqual({ runId: 'run-9', agent: 'a' });
  });

  it("sends with the credential's Entra ID token when ingestion asks for AAD", async () => {
    const scopes: string[] = [];
    const credential: TokenCredential = {
      getToken: async (scope): Promise<AccessToken> => {
        scopes.push(...[scope].flat());
        return { token: 'token-1', expiresOnTimestamp: Date.now() + 3_600_000 };
      },
    };
    t = telemetryTo(server, { credential });
    t.event('Authenticated');
    await t.flush();
    expect(ofType('EventData').map((e) => e.data.baseData.name)).toEqual(['Authenticated']);
    expect(server.requests.every((r) => r.headers.authorization === 'Bearer token-1')).toBe(true);
    expect(scopes[0]).toMatch(/^https:\/\/monitor\.azure\.com\/+\.default$/);
  });

  it('never fails the work it observes when ingestion refuses or cannot be reached', async () => {
    t = telemetryTo(server);
    server.failNext(400);
    await expect(
      t.withSpan(
        { kind: 'dependency', name: 'work', span: new RunTrace('r').run(), dims: {} },
        async () => 7,
      ),
    ).resolves.toBe(7);
    await expect(t.flush()).resolves.toBeUndefined();
    expect(server.requests).toHaveLength(1);
    expect(server.envelopes).toEqual([]);

    const unreachable = createTelemetry(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${iKey};IngestionEndpoint=https://127.0.0.1:9`,
      },
      {
        exporter: {
          ...server.options.exporter,
          retryOptions: { maxRetries: 0 },
          disableOfflineStorage: true,
        },
        intervalMs: 60_000,
      },
    );
    try {
      unreachable.event('Lost');
      await expect(unreachable.flush()).resolves.toBeUndefined();
    } finally {
      await unreachable.shutdown();
    }
  });
});
