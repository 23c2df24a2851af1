import type { StoredArtifact } from './artifactStore';
import type { CloudEvent } from './eventBus';
import type { PhaseId } from '../phases';

export type RunStatus =
  'Pending' | 'Running' | 'WaitingForApproval' | 'Completed' | 'Failed' | 'Rejected' | 'Terminated';

export interface GateCriterion {
  name: string;
  value: number | string | boolean;
  threshold: number | string | boolean;
  passed: boolean;
  findings: string[];
  /** Set on a failed criterion no rework can make pass: what the run was asked for must change. */
  final?: boolean;
}

export interface GateRecord {
  phase: string;
  iteration: number;
  attempt: number;
  passed: boolean;
  criteria: GateCriterion[];
  reportPath: string;
  at: string;
}

export interface PhaseRecord {
  phase: string;
  iteration: number;
  attempt: number;
  status: 'Running' | 'Completed' | 'Failed' | 'WaitingForApproval' | 'Rejected';
  startedAt: string;
  endedAt?: string;
  feedback?: string[];
}

export interface ApprovalRecord {
  gate: string;
  iteration: number;
  attempt: number;
  requestedAt: string;
  decision?: 'approve' | 'reject' | 'timeout';
  reason?: string;
  by?: string;
  decidedAt?: string;
}

export interface RunCounters {
  agentCalls: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  estimatedCost: number;
}

/** Language-model use of one agent or phase, summed over its calls. */
export interface UsageTotals {
  /** Model calls made, schema retries included; a cache hit makes none. */
  calls: number;
  cacheHits: number;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens the service served from its prompt cache (part of `promptTokens`). */
  cachedTokens: number;
  estimatedCost: number;
}

export interface RunOptions {
  approvals: string[];
  iterations: number;
  model: string;
  budget?: { maxAgentCalls?: number; maxTokens?: number; maxCost?: number };
  /** Hours an approval may wait before the run ends as Rejected (default 72). */
  approvalTimeoutHours?: number;
  /** Feedback loops (failed gates sent back, rejections rerun) allowed per iteration (default 3). */
  maxReworks?: number;
}

/**
 * What makes a run a change of a product built before: the run it changes, the product's first run (whose
 * deployment and database the new version takes over) and the release it follows.
 */
export interface ChangeLineage {
  /** The run whose product this run changes. */
  of: string;
  /** The product's first run: its deployment, data and repository are the product's. */
  product: string;
  /** The release this run's first version follows, e.g. `1.0.0`. */
  after: string;
  /** 1 for the first change of the product, then one more per change. */
  number: number;
  /** What this change and the product's earlier changes removed ("Remove the attribute a of X."), in order. */
  removals?: string[];
}

/** One document per run (Cosmos DB container `runs`, partition key `/tenantId`). */
export interface RunDocument {
  id: string;
  tenantId: string;
  name: string;
  visionTitle: string;
  visionPath: string;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  options: RunOptions;
  iteration: number;
  currentPhase?: string;
  phases: PhaseRecord[];
  gates: GateRecord[];
  approvals: ApprovalRecord[];
  artifacts: StoredArtifact[];
  counters: RunCounters;
  /** Model use per agent and per phase (runs on the blueprint engine have none). */
  usage?: { byAgent: Record<string, UsageTotals>; byPhase: Record<string, UsageTotals> };
  failure?: { reason: string; message: string };
  /** Idempotency key and body hash the run was started with, if any. */
  idempotency?: { key: string; bodySha256: string };
  /** Set when the run changes a product an earlier run built. */
  change?: ChangeLineage;
  /** Set when the run started at a later phase, on artifacts a person gave in place of the earlier phases'. */
  fromPhase?: PhaseId;
}

export interface RunPage {
  items: RunDocument[];
  continuationToken?: string;
}

/**
 * Run state (Cosmos DB in Azure, SQLite locally). `update` is read-modify-write with optimistic concurrency:
 * the mutation may be called more than once and must be a pure function of the document it is given.
 */
export interface RunStore {
  readonly adapter: string;
  /** Creates the run unless one with this id exists; returns the stored document either way. */
  create(doc: RunDocument): Promise<{ doc: RunDocument; created: boolean }>;
  get(tenantId: string, runId: string): Promise<RunDocument | undefined>;
  update(tenantId: string, runId: string, mutate: (doc: RunDocument) => void): Promise<RunDocument>;
  list(
    tenantId: string,
    query: { status?: RunStatus; limit?: number; continuationToken?: string },
  ): Promise<RunPage>;
  /** Event outbox: appending the same event id twice keeps one. */
  appendEvent(tenantId: string, runId: string, event: CloudEvent): Promise<void>;
  markEventPublished(tenantId: string, runId: string, eventId: string): Promise<void>;
  listEvents(tenantId: string, runId: string): Promise<Array<CloudEvent & { published: boolean }>>;
}
