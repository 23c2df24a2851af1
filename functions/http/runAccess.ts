import type * as df from 'durable-functions';
import type { RunDocument } from '../../platform/ports/runStore';
import { runIdPattern } from '../../platform/runs/runChecks';
import { ports } from '../../platform/runtime';
import { requireRun } from '../../runs/runCommands';
import type { ApiCall } from './handle';
import { ProblemError } from './problem';

/** The `{runId}` route parameter; a malformed one names no run, so it is a 404 like an unknown one. */
export function runIdParam(call: ApiCall): string {
  const runId = call.request.params.runId ?? '';
  if (!runIdPattern.test(runId))
    throw new ProblemError('not-found', `run ${JSON.stringify(runId.slice(0, 80))} not found`);
  return runId;
}

/** The caller's run: another tenant's run does not exist for them (404, never 403). */
export async function callersRun(call: ApiCall): Promise<RunDocument> {
  return requireRun(ports(), call.principal.tenantId, runIdParam(call));
}

export type InstanceStatus = Awaited<ReturnType<df.DurableClient['getStatus']>>;

/** The durable status of an instance, or undefined when the durable store has no such instance. */
export async function instanceStatus(
  client: df.DurableClient,
  instanceId: string,
  options: { showHistory?: boolean; showHistoryOutput?: boolean; showInput?: boolean } = {},
): Promise<InstanceStatus | undefined> {
  try {
    return await client.getStatus(instanceId, options);
  } catch (error) {
    // The client reports a missing instance as an error mentioning the extension's 404.
    if (/HTTP 404/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** The tenant an orchestration instance was started for (its input's `tenantId`), if it exists. */
export async function instanceTenant(
  client: df.DurableClient,
  instanceId: string,
): Promise<{ exists: boolean; tenantId?: string }> {
  const status = await instanceStatus(client, instanceId, { showInput: true });
  if (!status) return { exists: false };
  const input = status.input as { tenantId?: unknown } | null | undefined;
  return { exists: true, tenantId: typeof input?.tenantId === 'string' ? input.tenantId : undefined };
}

/**
 * Durable instance ids are global while runs are per tenant: before acting on an instance, make sure it
 * belongs to the caller's tenant, so a run id chosen to match another tenant's run reaches nothing.
 */
export async function requireOwnInstance(call: ApiCall, runId: string): Promise<void> {
  const owner = await instanceTenant(call.client(), runId);
  if (owner.exists && owner.tenantId !== call.principal.tenantId) {
    throw new ProblemError('not-found', `run ${runId} not found`);
  }
}

export function runUrl(origin: string, runId: string, suffix = ''): string {
  return `${origin}/api/runs/${encodeURIComponent(runId)}${suffix}`;
}

/** Where a run's resources live. */
export function runLinks(origin: string, runId: string) {
  return {
    self: runUrl(origin, runId),
    events: runUrl(origin, runId, '/events'),
    trace: runUrl(origin, runId, '/trace'),
    artifacts: runUrl(origin, runId, '/artifacts'),
    approvals: runUrl(origin, runId, '/approvals/{gate}'),
    cancel: runUrl(origin, runId, '/cancel'),
  };
}

export const jsonResponse = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers: { 'cache-control': 'no-store', ...headers },
  jsonBody: body,
});
