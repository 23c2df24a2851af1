import type { RunDocument } from '../../core/ports/runStore';
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
