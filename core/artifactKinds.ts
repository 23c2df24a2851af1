/**
 * Every kind of artifact the factory writes. A kind says what an artifact is; agents and gates name the kinds
 * they read and write, so a misspelt kind is a compile error rather than an input that never arrives.
 */

/** Kinds written as folders (`ArtifactFolder`): one artifact per file plus an index the orchestrator sees. */
const folderKinds = [
  'service-source',
  'frontend-source',
  'mobile-source',
  'product-bicep',
  'migration',
  'test-case',
  'release-package',
] as const;

export type FolderKind = (typeof folderKinds)[number];

/** The kind each file inside a folder is registered with; only the folder's index reaches an orchestrator. */
export type FolderFileKind = `${FolderKind}-file`;

export const folderFileKind = (kind: FolderKind): FolderFileKind => `${kind}-file`;

/** Kinds written as single files, in the order of the phases that write them. */
const documentKinds = [
  // Given to the run: the user's vision and, in production, what the product's users said.
  'vision-text',
  'feedback',
  // Given to a run that changes a product: the change asked for, and what the last release was built from.
  'change-request',
  'previous-domain-model',
  'previous-migrations',
  'previous-backlog',
  // Vision to Architecture.
  'vision',
  'roadmap',
  'backlog',
  'process-model',
  'ux-journeys',
  'ux-mockup',
  'domain-model',
  'context-map',
  'architecture-blueprint',
  'solution-architecture',
  'asyncapi',
  'event-schema',
  'openapi',
  'adr',
  // Architecture to Development.
  'development-plan',
  'policy-source',
  'commit',
  'pull-request',
  // Development to Testing.
  'test-plan',
  'test-results',
  'http-exchanges',
  'coverage',
  'load-test',
  'chaos-test',
  'contract-conformance',
  'ui-test',
  'bug-report',
  'code-review',
  'quality-report',
  // Testing to Deployment.
  'pipeline',
  'provisioning-plan',
  'security-report',
  'observability-config',
  'release-notes',
  'deployment-plan',
  // Deployment to Production.
  'pre-deployment-check',
  'provisioning-record',
  'deployment-report',
  'health-check',
  'observability-activation',
  'rollback-report',
  // Production to Optimization.
  'performance-report',
  'customer-insights',
  'growth-report',
  'cost-report',
  'evolution-plan',
  'deployment-retention',
  // Written by the workflow itself: gate results, the references a phase starts from, the run report, and
  // cached model answers.
  'gate-report',
  'context-manifest',
  'run-report',
  'model-response',
] as const;

export type ArtifactKind = (typeof documentKinds)[number] | FolderKind | FolderFileKind;

const known = new Set<string>([...documentKinds, ...folderKinds, ...folderKinds.map(folderFileKind)]);

/** For kinds read back from storage, which may hold what another version of the factory wrote. */
export function isArtifactKind(value: string): value is ArtifactKind {
  return known.has(value);
}
