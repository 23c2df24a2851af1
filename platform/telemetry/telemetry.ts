import { AsyncLocalStorage } from 'node:async_hooks';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Histogram,
} from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { LoggerProvider } from '@opentelemetry/sdk-logs';
import { readIngestionSettings } from './connectionString';
import { createPipeline, type Pipeline, type PipelineOptions } from './pipeline';
import type { SpanContext } from './traceContext';

/** Dimensions (`customDimensions`) of a telemetry item. */
export type Dimensions = Record<string, string | number | boolean | undefined>;

/** Where a piece of work sits: its span and the dimensions its telemetry inherits. */
export interface Scope {
  span: SpanContext;
  dims: Dimensions;
}

export interface SpanOptions {
  /** `request` for a whole operation, `dependency` for work inside one, `message` for a message sent. */
  kind: 'request' | 'dependency' | 'message';
  name: string;
  span: SpanContext;
  dims: Dimensions;
}

// Application Insights makes requests of server spans, and dependencies of internal and producer spans.
const spanKinds = { request: SpanKind.SERVER, dependency: SpanKind.INTERNAL, message: SpanKind.PRODUCER };
const severities = [
  SeverityNumber.DEBUG,
  SeverityNumber.INFO,
  SeverityNumber.WARN,
  SeverityNumber.ERROR,
  SeverityNumber.FATAL,
];
/** The attribute that makes the Azure Monitor log exporter send a log item as a custom event of that name. */
const customEventName = 'microsoft.custom_event.name';

function properties(dims: Dimensions): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(dims))
    if (value !== undefined && value !== '') out[key] = String(value).slice(0, 8192);
  return out;
}

/** An OpenTelemetry context whose current span is `span` (remote: recorded elsewhere, or later). */
function contextOf(span: Pick<SpanContext, 'traceId' | 'spanId' | 'sampled'> | undefined): Context {
  if (!span) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: span.traceId,
    spanId: span.spanId,
    traceFlags: span.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

/**
 * Requests, dependencies, custom events, metrics and traces sent to Application Insights through OpenTelemetry,
 * correlated by W3C trace context (`operation_Id` = trace id, `operation_ParentId` = parent span). Spans get the
 * ids their `SpanContext` names. Without a connection string it is off and every call is a cheap no-op.
 */
export class Telemetry {
  private readonly storage = new AsyncLocalStorage<Scope>();
  private readonly histograms = new Map<string, Histogram>();
  readonly enabled: boolean;

  constructor(private readonly pipeline?: Pipeline) {
    this.enabled = Boolean(pipeline);
  }

  /** Where log records of other code (the Functions instrumentation) go; undefined when telemetry is off. */
  get loggerProvider(): LoggerProvider | undefined {
    return this.pipeline?.loggerProvider;
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
    const span = this.start(options, new Date());
    // The span is current for OpenTelemetry too, so log records made inside it (context.log) join it.
    const run = () => this.storage.run(scope, () => fn(scope));
    try {
      const result = await (span ? context.with(trace.setSpan(context.active(), span), run) : run());
      this.end(span, success(result));
      return result;
    } catch (error) {
      this.end(span, false, error as Error);
      throw error;
    }
  }

  /** Records a span that already happened (a phase, the run), with its own start and duration. */
  span(options: SpanOptions, start: Date, durationMs: number, success: boolean): void {
    this.end(this.start(options, start), success, undefined, start.getTime() + Math.max(0, durationMs));
  }

  /** A custom event; parented to `scope` (or the ambient scope) so it joins the run's operation. */
  event(name: string, dims: Dimensions = {}, scope = this.current(), at = new Date()): void {
    this.pipeline?.logger.emit({
      timestamp: at,
      attributes: { ...properties({ ...scope?.dims, ...dims }), [customEventName]: name },
      context: contextOf(scope?.span),
    });
  }

  /**
   * One measurement of a custom metric. Measurements with the same name and dimensions in one export interval
   * are sent as one aggregate (customMetrics `valueSum`, `valueCount`); metrics carry no operation id.
   */
  metric(name: string, value: number, dims: Dimensions = {}, scope = this.current()): void {
    if (!this.pipeline || !Number.isFinite(value)) return;
    let histogram = this.histograms.get(name);
    if (!histogram) {
      histogram = this.pipeline.meter.createHistogram(name);
      this.histograms.set(name, histogram);
    }
    histogram.record(value, properties({ ...scope?.dims, ...dims }));
  }

  /** A trace message (severity 0 verbose … 4 critical). */
  trace(
    message: string,
    severityLevel: 0 | 1 | 2 | 3 | 4 = 1,
    dims: Dimensions = {},
    scope = this.current(),
  ): void {
    this.pipeline?.logger.emit({
      body: message.slice(0, 32768),
      severityNumber: severities[severityLevel],
      attributes: properties({ ...scope?.dims, ...dims }),
      context: contextOf(scope?.span),
    });
  }

  /** Sends everything recorded so far; resolves when ingestion has answered. */
  flush(): Promise<void> {
    return this.pipeline ? this.pipeline.flush() : Promise.resolve();
  }

  /** Flushes and stops the exporters (a process or test that is done with this telemetry). */
  shutdown(): Promise<void> {
    return this.pipeline ? this.pipeline.shutdown() : Promise.resolve();
  }

  private start(options: SpanOptions, startTime: Date) {
    if (!this.pipeline) return undefined;
    const { tracer, ids } = this.pipeline;
    const { traceId, spanId, parentSpanId, sampled } = options.span;
    const parent = parentSpanId ? contextOf({ traceId, spanId: parentSpanId, sampled }) : ROOT_CONTEXT;
    return ids.use({ traceId, spanId }, () =>
      tracer.startSpan(
        options.name,
        { kind: spanKinds[options.kind], startTime, attributes: properties(options.dims) },
        parent,
      ),
    );
  }

  private end(span: ReturnType<Telemetry['start']>, success: boolean, error?: Error, endTime?: number): void {
    if (!span) return;
    if (error) span.setAttribute('error', `${error.name}: ${error.message}`.slice(0, 1000));
    span.setStatus({ code: success ? SpanStatusCode.OK : SpanStatusCode.ERROR });
    span.end(endTime);
  }
}

/** Telemetry from settings: off without `APPLICATIONINSIGHTS_CONNECTION_STRING`; AAD ingestion when asked. */
export function createTelemetry(
  env: Record<string, string | undefined> = process.env,
  options: PipelineOptions = {},
): Telemetry {
  const settings = readIngestionSettings(env);
  return settings ? new Telemetry(createPipeline(settings, options)) : new Telemetry();
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
    // beforeExit sends what is left in the CLI and the embedded host; in the Functions worker, whose process the
    // host stops, the worker hooks (functionsWorker.ts) flush after invocations and at termination.
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
