// The HTML run report: one self-contained page per run (flow, timeline, gates, usage, events, artifacts).
export * from './buildRunReport';
export * from './renderReport';
export { renderMarkdown } from './markdown';
export { renderMermaid, parseFlowchart, parseSequence } from './mermaid';
export { renderOpenApi } from './openapi';
export { renderRunsIndex } from './runsIndex';
export * from './serveReports';
