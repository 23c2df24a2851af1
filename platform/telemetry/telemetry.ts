import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import { aadTokenSource, BreezeExporter, type Envelope, type ExporterOptions } from './breezeExporter';
import { readIngestionSettings, type IngestionSettings } from './connectionString';
import type { SpanContext } from './traceContext';

/** Dimensions every factory item carries where they apply (the workbook and alerts filter on them). */
export interface Dimensions {
  runId?: string;
  tenantId?: string;
  phase?: string;
  agent?: string;
  gate?: string;
  [key: string]: string | number | boolean | undefined;
}

/** Where a piece of work sits: its span and the dimensions its telemetry inherits. */
export interface Scope {
  span: SpanContext;
  dims: Dimensions;
}

export interface SpanOptions {
  /** `request` for the run, `dependency` for everything inside it. */
  kind: 'request' | 'dependency';
  name: string;
  span: SpanContext;
  dims: Dimensions;
  /** Dependency type shown in Application Insights (`InProc`, `Azure Service Bus`, ...). */
  type?: string;
  target?: string;
  data?: string;
}

export const cloudRole = 'software-factory';
const sdkVersion = 'node-factory:1';

function duration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  const days = Math.floor(total / 86400000);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const hms = `${pad(Math.floor(total / 3600000) % 24)}:${pad(Math.floor(total / 60000) % 60)}:${pad(Math.floor(total / 1000) % 60)}.${pad(total % 1000, 3)}`;
  return days ? `${days}.${hms}` : hms;
}

function properties(dims: Dimensions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(dims))
    if (value !== undefined && value !== '') out[key] = String(value).slice(0, 8192);
  return out;
}

/**
 * The factory's telemetry: requests, dependencies, custom events, metrics and traces as Application Insights
 * items, correlated by W3C trace context (`operation_Id` = trace id, `operation_ParentId` = parent span).
 * Without a connection string it is off and every call is a cheap no-op.
 */
export class Telemetry {
  private readonly storage = new AsyncLocalStorage<Scope>();
  readonly enabled: boolean;
  readonly roleInstance = hostname();

  constructor(
    private readonly exporter?: { export(envelope: Envelope): void; flush(): Promise<void> },
    private readonly iKey = '',
  ) {
    this.enabled = Boolean(exporter);
  }

  /** The scope the current async work runs in (set by `withSpan`). */
  current(): Scope | undefined {
    return this.storage.getStore();
  }

  /** Runs `fn` inside a span; records it with its duration and whether it threw, then rethrows. */
  async withSpan<T>(
    options: SpanOptions,
    fn: (scope: Scope) => Promise<T>,
    success: (result: T) => boolean = () => true,
  ): Promise<T> {
    const scope: Scope = { span: options.span, dims: options.dims };
    const started = new Date();
    try {
      const result = await this.storage.run(scope, () => fn(scope));
      this.span(options, started, Date.now() - started.getTime(), success(result));
      return result;
    } catch (error) {
      this.span(options, started, Date.now() - started.getTime(), false, error as Error);
      throw error;
    }
  }

  /** Records a span that already happened (a phase, the run), with its own start and duration. */
  span(options: SpanOptions, start: Date, durationMs: number, success: boolean, error?: Error): void {
    if (!this.enabled) return;
    const dims = properties({
      ...options.dims,
      ...(error ? { error: `${error.name}: ${error.message}`.slice(0, 1000) } : {}),
    });
    const common = {
      ver: 2,
      id: options.span.spanId,
      name: options.name,
      duration: duration(durationMs),
      success,
      properties: dims,
    };
    if (options.kind === 'request') {
      this.send(
        'Request',
        'RequestData',
        start,
        options.span,
        { ...common, responseCode: success ? '0' : '1', source: options.target },
        options.name,
      );
    } else {
      this.send(
        'RemoteDependency',
        'RemoteDependencyData',
        start,
        options.span,
        {
          ...common,
          resultCode: success ? '0' : '1',
          type: options.type ?? 'InProc',
          target: options.target,
          data: options.data,
        },
        options.name,
      );
    }
  }

  /** A custom event; parented to `scope` (or the ambient scope) so it joins the run's operation. */
  event(
    name: string,
    dims: Dimensions = {},
    measurements: Record<string, number> = {},
    scope = this.current(),
    at = new Date(),
  ): void {
    if (!this.enabled) return;
    const parent = scope?.span;
    this.send('Event', 'EventData', at, parent && { ...parent, parentSpanId: parent.spanId }, {
      ver: 2,
      name,
      properties: properties({ ...scope?.dims, ...dims }),
      measurements,
    });
  }

  /** One measurement of a custom metric (customMetrics: value, valueSum and valueCount all come from it). */
  metric(name: string, value: number, dims: Dimensions = {}, scope = this.current(), at = new Date()): void {
    if (!this.enabled || !Number.isFinite(value)) return;
    const parent = scope?.span;
    this.send('Metric', 'MetricData', at, parent && { ...parent, parentSpanId: parent.spanId }, {
      ver: 2,
      metrics: [{ name, kind: 0, value, count: 1 }],
      properties: properties({ ...scope?.dims, ...dims }),
    });
  }

  /** A trace message (severity 0 verbose … 4 critical). */
  trace(
    message: string,
    severityLevel: 0 | 1 | 2 | 3 | 4 = 1,
    dims: Dimensions = {},
    scope = this.current(),
  ): void {
    if (!this.enabled) return;
    const parent = scope?.span;
    this.send('Message', 'MessageData', new Date(), parent && { ...parent, parentSpanId: parent.spanId }, {
      ver: 2,
      message: message.slice(0, 32768),
      severityLevel,
      properties: properties({ ...scope?.dims, ...dims }),
    });
  }

  flush(): Promise<void> {
    return this.exporter ? this.exporter.flush() : Promise.resolve();
  }

  private send(
    type: string,
    baseType: Envelope['data']['baseType'],
    time: Date,
    span: SpanContext | undefined,
    baseData: Record<string, unknown>,
    operationName?: string,
  ): void {
    const tags: Record<string, string> = {
      'ai.cloud.role': cloudRole,
      'ai.cloud.roleInstance': this.roleInstance,
      'ai.internal.sdkVersion': sdkVersion,
    };
    if (span) {
      tags['ai.operation.id'] = span.traceId;
      if (span.parentSpanId) tags['ai.operation.parentId'] = span.parentSpanId;
    }
    if (operationName) tags['ai.operation.name'] = operationName;
    this.exporter!.export({
      name: `Microsoft.ApplicationInsights.${type}`,
      time: time.toISOString(),
      iKey: this.iKey,
      sampleRate: 100,
      tags,
      data: {
        baseType,
        baseData: Object.fromEntries(Object.entries(baseData).filter(([, v]) => v !== undefined)),
      },
    });
  }
}

/** Telemetry from settings: off without `APPLICATIONINSIGHTS_CONNECTION_STRING`; AAD ingestion when asked. */
export function createTelemetry(
  env: Record<string, string | undefined> = process.env,
  options: ExporterOptions = {},
): Telemetry {
  const settings: IngestionSettings | undefined = readIngestionSettings(env);
  if (!settings) return new Telemetry();
  const tokenSource =
    options.tokenSource ?? (settings.aad ? aadTokenSource(settings.aad.clientId) : undefined);
  return new Telemetry(
    new BreezeExporter(settings, { ...options, tokenSource }),
    settings.instrumentationKey,
  );
}

let current: Telemetry | undefined;
let exitHook = false;

/** The process's telemetry, configured from settings on first use. */
export function telemetry(): Telemetry {
  if (!current) {
    try {
      current = createTelemetry();
    } catch (error) {
      // Bad settings must not stop the factory's work; they are reported once and telemetry stays off.
      process.stderr.write(`[telemetry] off: ${(error as Error).message}\n`);
      current = new Telemetry();
    }
  }
  if (!exitHook && current.enabled) {
    exitHook = true;
    // The Functions worker has no shutdown hook of its own for us; beforeExit sends what is left.
    process.once('beforeExit', () => void current?.flush());
  }
  return current;
}

/** Replaces the process's telemetry (tests; hosts that configure it explicitly). */
export function useTelemetry(chosen: Telemetry | undefined): void {
  current = chosen;
}

/** Sends everything recorded so far; call before a process exits. */
export function flushTelemetry(): Promise<void> {
  return current ? current.flush() : Promise.resolve();
}
