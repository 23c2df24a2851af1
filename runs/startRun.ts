import { createHash, randomBytes } from 'node:crypto';
import type { ArtifactRef } from '../core/agent';
import type { RunInput } from '../core/workflowContracts';
import { splitFrontMatter, VisionFrontMatterError } from '../agents/blueprint/vision/markdown';
import { ArtifactConflictError } from '../core/ports/artifactStore';
import type { RunDocument, RunOptions } from '../core/ports/runStore';
import type { Ports } from '../platform/config';
import { runIdPattern, runIdRule } from '../platform/runs/runChecks';
import { instanceTenant } from './instanceStatus';
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
}

export class RunConflictError extends Error {
  override name = 'RunConflictError';
}

export class InvalidRunRequestError extends Error {
  override name = 'InvalidRunRequestError';
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

/**
 * Starts a run: stores the vision, creates the run document and starts the `factoryRun` orchestration with
 * the run id as its instance id. Idempotent: the same id (or idempotency key) with the same request returns
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
  // A run id is global to the durable store: one another tenant's instance has is not available, and nothing is
  // written under it.
  const owner = await instanceTenant(client, runId);
  if (owner.exists && owner.tenantId !== request.tenantId) {
    throw new RunConflictError(`run id ${runId} is not available; choose another or let the server choose`);
  }
  const bodySha256 = createHash('sha256')
    .update(JSON.stringify({ vision: request.vision, name: request.name ?? null, options: request.options }))
    .digest('hex');

  let visionRef: ArtifactRef;
  try {
    const stored = await ports.artifacts.put(request.tenantId, runId, 'input/vision.md', request.vision, {
      kind: 'vision-text',
      phase: 'input',
      agent: 'user',
      contentType: 'text/markdown',
    });
    visionRef = { path: stored.path, sha256: stored.sha256, kind: 'vision-text' };
  } catch (error) {
    if (error instanceof ArtifactConflictError)
      throw new RunConflictError(`run ${runId} already exists with a different vision`);
    throw error;
  }
  const manifest = await writeManifest(
    ports.artifacts,
    request.tenantId,
    runId,
    'input/manifest.json',
    [visionRef],
    'input',
  );
  const { doc, created } = await ports.runs.create({
    id: runId,
    tenantId: request.tenantId,
    name: request.name ?? visionTitle(request.vision),
    visionTitle: visionTitle(request.vision),
    visionPath: visionRef.path,
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
  });
  if (!created && doc.idempotency?.bodySha256 !== bodySha256) {
    throw new RunConflictError(`run ${runId} already exists with a different request`);
  }
  const input: RunInput = {
    runId,
    tenantId: request.tenantId,
    options: request.options,
    iteration: 1,
    manifest,
    traceparent: request.traceparent,
  };
  // Starting twice is harmless: a second start of a running instance fails and the existing run stands.
  const existing = await client.getStatus(runId).catch(() => undefined);
  if (!existing) {
    try {
      await client.startNew('factoryRun', { instanceId: runId, input });
    } catch (error) {
      if (!(await client.getStatus(runId).catch(() => undefined))) throw error;
    }
  }
  return { doc, created };
}
