import { hostname } from 'node:os';
import { DefaultAzureCredential } from '@azure/identity';
import {
  AzureMonitorLogExporter,
  AzureMonitorMetricExporter,
  AzureMonitorTraceExporter,
  type AzureMonitorExporterOptions,
} from '@azure/monitor-opentelemetry-exporter';
import { context, diag, DiagLogLevel, propagation, type Meter, type Tracer } from '@opentelemetry/api';
import type { Logger } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ChosenIds } from './chosenIds';
import { exporterConnectionString, type IngestionSettings } from './connectionString';

/** `ai.cloud.role` of everything the factory records. */
export const cloudRole = 'software-factory';

export interface PipelineOptions {
  /** Exporter options on top of the settings' (tests: a credential, trust for a local endpoint, a storage folder). */
  exporter?: Partial<AzureMonitorExporterOptions>;
  /** How long items wait before they are sent: spans and log items in batches, metrics at this interval. */
  intervalMs?: number;
}

/** OpenTelemetry providers exporting to Application Insights, and the handles the factory records through. */
export interface Pipeline {
  ids: ChosenIds;
  tracer: Tracer;
  logger: Logger;
  meter: Meter;
  loggerProvider: LoggerProvider;
  /** Exports everything recorded so far and resolves when ingestion has answered (or failed). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let globalsRegistered = false;

/**
 * The process-wide parts of OpenTelemetry: async context (so work started inside a span knows it), W3C
 * propagation (the Functions instrumentation and the durable client read it), and where the SDK reports its own
 * trouble (stderr, errors only; telemetry never throws into the work it observes).
 */
export function registerOpenTelemetryGlobals(): void {
  if (globalsRegistered) return;
  globalsRegistered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const report = (message: string, ...args: unknown[]) =>
    process.stderr.write(`[telemetry] ${[message, ...args.map(String)].join(' ').slice(0, 500)}\n`);
  diag.setLogger(
    { error: report, warn: report, info: () => undefined, debug: () => undefined, verbose: () => undefined },
    DiagLogLevel.ERROR,
  );
}

/**
 * Traces, logs and metrics exported by the Azure Monitor exporters to the settings' ingestion endpoint, with the
 * managed identity's Entra ID token when the settings ask for AAD ingestion. Spans take their ids from
 * `ids` (see ChosenIds) and are all recorded: the factory decides what a run records, not a sampler.
 */
export function createPipeline(settings: IngestionSettings, options: PipelineOptions = {}): Pipeline {
  registerOpenTelemetryGlobals();
  // The exporter's own usage reports (statsbeat) go to Microsoft's endpoints; telemetry goes only where the
  // settings say.
  process.env.APPLICATION_INSIGHTS_NO_STATSBEAT ??= 'true';
  const credential =
    options.exporter?.credential ??
    (settings.aad
      ? new DefaultAzureCredential(
          settings.aad.clientId ? { managedIdentityClientId: settings.aad.clientId } : {},
        )
      : undefined);
  const exporterOptions: AzureMonitorExporterOptions = {
    ...options.exporter,
    connectionString: exporterConnectionString(settings),
    credential,
  };
  const intervalMs = options.intervalMs ?? 5000;
  const resource = resourceFromAttributes({ 'service.name': cloudRole, 'service.instance.id': hostname() });
  const ids = new ChosenIds();
  const tracerProvider = new BasicTracerProvider({
    resource,
    idGenerator: ids,
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      new BatchSpanProcessor(new AzureMonitorTraceExporter(exporterOptions), {
        scheduledDelayMillis: intervalMs,
      }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor(new AzureMonitorLogExporter(exporterOptions), {
        scheduledDelayMillis: intervalMs,
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new AzureMonitorMetricExporter(exporterOptions),
        exportIntervalMillis: intervalMs,
        exportTimeoutMillis: Math.min(intervalMs, 30_000),
      }),
    ],
  });
  const providers = [tracerProvider, loggerProvider, meterProvider];
  return {
    ids,
    tracer: tracerProvider.getTracer(cloudRole),
    logger: loggerProvider.getLogger(cloudRole),
    meter: meterProvider.getMeter(cloudRole),
    loggerProvider,
    // A failed export is already reported through diag; it must not reach the code that asked for the flush.
    flush: async () => {
      await Promise.allSettled(providers.map((provider) => provider.forceFlush()));
    },
    shutdown: async () => {
      await Promise.allSettled(providers.map((provider) => provider.shutdown()));
    },
  };
}
