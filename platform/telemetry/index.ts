// Application Insights through OpenTelemetry: settings, the exporter pipeline, W3C trace context, the recording API.
export * from './traceContext';
export * from './incomingTrace';
export * from './connectionString';
export * from './pipeline';
export * from './telemetry';
