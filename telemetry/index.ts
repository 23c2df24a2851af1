// What the factory records in Application Insights: names, the spans of a run, and one recorder per kind of work.
export * from './metricNames';
export * from './runSpans';
export * from './agentTelemetry';
export * from './gateTelemetry';
export * from './eventTelemetry';
export * from './sandboxTelemetry';
export * from './commandTelemetry';
