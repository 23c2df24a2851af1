// The factory's telemetry API: Application Insights items over W3C trace context, one trace per run.
export * from './traceContext';
export * from './connectionString';
export * from './breezeExporter';
export * from './telemetry';
export * from './factoryTelemetry';
