import { createHash, randomBytes } from 'node:crypto';
import type { ArtifactRef } from '../core/agent';
import type { RunInput } from '../core/workflowContracts';
import { splitFrontMatter, VisionFrontMatterError } from '../agents/blueprint/vision/markdown';
import type { ArtifactKind } from '../core/artifactKinds';
import type { PhaseId } from '../core/phases';
import type { ChangeLineage, RunDocument, RunOptions } from '../core/ports/runStore';
import type { Ports } from '../platform/config';
import { runInstanceId } from '../platform/runs/instanceIds';
import { runIdPattern, runIdRule } from '../platform/runs/runChecks';
import { contentTypeOf } from '../agents/runtime/contentTypes';
import { writeManifest } from './manifest';
import { maxVisionBytes } from './runOptions';

/** The part of the durable client that run operations use (df.DurableClient satisfies it). */
export interface RunsClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  getStatus(
    instanceId: string,
    options?: { showInput?: boolean },
  ): Promise<
    { runtimeStatus: string; customStatus?: unknown; output?: unknown; input?: unknown } | undefined
  >;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
  terminate(instanceId: string, reason: string): Promise<void>;
}

export interface StartRunRequest {
  tenantId: string;
  vision: string;
  name?: string;
  runId?: string;
  options: RunOptions;
  idempotencyKey?: string;
  traceparent?: string;
  now?: Date;
  /** Set when the run changes a product an earlier run built. */
  change?: ChangeLineage;
  /** Inputs besides the vision, stored in the run before it starts. */
  inputs?: Array<{ path: string; content: string; kind: ArtifactKind }>;
  /** The phase the run starts at; `inputs` then hold what the earlier phases would have written. */
  fromPhase?: PhaseId;
}

export class RunConflictError extends Error {
  override name = 'RunConflictError';
}

export class InvalidRunRequestError extends Error {
  override name = 'InvalidRunRequestError';
  constructor(
    message: string,
    /** What is wrong, one entry per field or given artifact, when there is more than the message. */
    readonly errors?: Array<{ field: string; message: string }>,
  ) {
    super(message);
  }
}

export function newRunId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `run-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** A run id derived from an idempotency key, so the same key always names the same run. */
export function runIdForKey(tenantId: string, key: string): string {
  return `run-${createHash('sha256').update(`${tenantId}\n${key}`).digest('hex').slice(0, 20)}`;
}

export function visionTitle(vision: string): string {
  const heading = /^#\s+(.+)$/m.exec(vision);
  const line =
    heading?.[1] ?? vision.split('\n').find((l) => l.trim() && !l.startsWith('---')) ?? 'Untitled vision';
  return line.trim().slice(0, 120);
}

/** Where a run's vision is stored, inside the run. */
const visionPath = 'input/vision.md';

/**
 * Starts a run: creates the run document, stores the vision and starts the `factoryRun` orchestration under the
 * run's instance id (`runInstanceId`). Idempotent: the same id (or idempotency key) with the same request returns
 * the existing run; with a different request it is a conflict.
 */
export async function startRun(
  ports: Ports,
  client: RunsClient,
  request: StartRunRequest,
): Promise<{ doc: RunDocument; created: boolean }> {
  const now = request.now ?? new Date();
  if (!request.vision.trim()) throw new InvalidRunRequestError('the vision is empty');
  if (Buffer.byteLength(request.vision) > maxVisionBytes) {
    throw new InvalidRunRequestError(`the vision is over ${maxVisionBytes} bytes`);
  }
  // Refused here rather than by the Vision Architect after the run has started and retried.
  try {
    splitFrontMatter(request.vision);
  } catch (error) {
    if (error instanceof VisionFrontMatterError) throw new InvalidRunRequestError(error.message);
    throw error;
  }
  const runId =
    request.runId ??
    (request.idempotencyKey ? runIdForKey(request.tenantId, request.idempotencyKey) : newRunId(now));
  if (!runIdPattern.test(runId)) throw new InvalidRunRequestError(`invalid run id '${runId}': ${runIdRule}`);
  const bodySha256 = createHash('sha256')
    .update(
      JSON.stringify({
        vision: request.vision,
        name: request.name ?? null,
        options: request.options,
        ...(request.change ? { change: request.change } : {}),
        ...(request.fromPhase ? { fromPhase: request.fromPhase } : {}),
        ...(request.inputs?.length
          ? {
              inputs: request.inputs.map((i) => [
                i.path,
                createHash('sha256').update(i.content).digest('hex'),
              ]),
            }
          : {}),
      }),
    )
    .digest('hex');

  // The run store's conditional create decides, atomically, whether this request starts the run: Cosmos DB's
  // create fails with 409 on an id the tenant's partition has, SQLite's INSERT OR IGNORE on the (tenant, id)
  // key, so of concurrent requests for one id exactly one creates it. The durable client's start cannot decide
  // it: it replaces an instance that has finished, and on the Azure Storage backend concurrent starts of one id
  // all report success while one runs. So nothing is written before this, and a request that conflicts leaves
  // no trace.
  const { doc, created } = await ports.runs.create({
    id: runId,
    tenantId: request.tenantId,
    name: request.name ?? visionTitle(request.vision),
    visionTitle: visionTitle(request.vision),
    visionPath,
    status: 'Pending',
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
    options: request.options,
    iteration: 1,
    phases: [],
    gates: [],
    approvals: [],
    artifacts: [],
    counters: { agentCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
    idempotency: { key: request.idempotencyKey ?? runId, bodySha256 },
    ...(request.change ? { change: request.change } : {}),
    ...(request.fromPhase ? { fromPhase: request.fromPhase } : {}),
  });
  if (!created && doc.idempotency?.bodySha256 !== bodySha256) {
    throw new RunConflictError(`run ${runId} already exists with a different request`);
  }

  // The same request again repeats the steps below, each idempotent, so it finishes what an earlier attempt
  // that died half-way left undone.
  const stored = await ports.artifacts.put(request.tenantId, runId, visionPath, request.vision, {
    kind: 'vision-text',
    phase: 'input',
    agent: 'user',
    contentType: 'text/markdown',
  });
  const refs: ArtifactRef[] = [{ path: stored.path, sha256: stored.sha256, kind: 'vision-text' }];
  for (const input of request.inputs ?? []) {
    const entry = await ports.artifacts.put(request.tenantId, runId, input.path, input.content, {
      kind: input.kind,
      phase: 'input',
      agent: 'user',
      contentType: contentTypeOf(input.path),
    });
    refs.push({ path: entry.path, sha256: entry.sha256, kind: input.kind });
  }
  const manifest = await writeManifest(
    ports.artifacts,
    request.tenantId,
    runId,
    'input/manifest.json',
    refs,
    'input',
  );
  // A run past Pending has been started; starting it again would replace a finished instance.
  if (doc.status !== 'Pending') return { doc, created };
  const input: RunInput = {
    runId,
    tenantId: request.tenantId,
    options: request.options,
    iteration: 1,
    manifest,
    traceparent: request.traceparent,
    ...(request.change ? { change: request.change } : {}),
    ...(request.fromPhase ? { fromPhase: request.fromPhase } : {}),
  };
  const instanceId = runInstanceId(request.tenantId, runId);
  // A repeated request may start it at the same moment as the first: the second start fails (or, on Azure
  // Storage, is dropped as a duplicate) and the existing instance stands.
  const existing = await client.getStatus(instanceId).catch(() => undefined);
  if (!existing) {
    try {
      await client.startNew('factoryRun', { instanceId, input });
    } catch (error) {
      if (!(await client.getStatus(instanceId).catch(() => undefined))) throw error;
    }
  }
  return { doc, created };
}
