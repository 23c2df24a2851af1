import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { phaseInstanceId, runInstanceId } from '../../platform/runs/instanceIds';
import { composition } from '../compositionRoot';
import { effectiveStatus, phaseSummary } from '../../runs/runView';
import type { RunDocument } from '../../core/ports/runStore';
import { handle, type ApiCall } from './handle';
import { validationProblem } from './problem';
import { instanceStatus } from '../../runs/instanceStatus';
import { callersRun, jsonResponse, runLinks, runUrl } from './runAccess';

/** Endpoints of this group take no query parameters; a typo should not pass silently. */
export function noQuery(query: URLSearchParams): void {
  const keys = [...query.keys()];
  if (keys.length)
    throw validationProblem(keys.map((key) => ({ field: `query.${key}`, message: 'unknown parameter' })));
}

/** GET /api/runs/{runId}: the run document with the orchestration's runtime status and progress. */
export const getRunHandler = handle('Runs.Read', async (call) => {
  noQuery(call.request.query);
  return jsonResponse(200, await runView(call, await callersRun(call)));
});

/** What a person sees of a run: its document, the orchestration's runtime status and the current step. */
export async function runView(call: ApiCall, doc: RunDocument) {
  const client = call.client();
  const instanceId = runInstanceId(doc.tenantId, doc.id);
  const runtime = await instanceStatus(client, instanceId);
  const { status, failure } = effectiveStatus(
    doc,
    runtime ? { runtimeStatus: String(runtime.runtimeStatus), output: runtime.output } : undefined,
  );
  const running = [...doc.phases].reverse().find((p) => p.status === 'Running');
  let progress: unknown = runtime?.customStatus ?? null;
  if (running && runtime && String(runtime.runtimeStatus) === 'Running') {
    const child = await instanceStatus(
      client,
      phaseInstanceId(instanceId, running.phase, running.iteration, running.attempt),
    );
    if (child?.customStatus) progress = child.customStatus;
  }
  return {
    runId: doc.id,
    name: doc.name,
    visionTitle: doc.visionTitle,
    status,
    failure: failure ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    options: doc.options,
    iteration: doc.iteration,
    currentPhase: doc.currentPhase ?? null,
    progress,
    durable: runtime
      ? {
          runtimeStatus: String(runtime.runtimeStatus),
          customStatus: runtime.customStatus ?? null,
          createdTime: runtime.createdTime,
          lastUpdatedTime: runtime.lastUpdatedTime,
        }
      : null,
    phases: phaseSummary(doc),
    phaseAttempts: doc.phases,
    gates: doc.gates,
    approvals: doc.approvals.map((a) => ({
      ...a,
      waiting: !a.decision && status === 'WaitingForApproval',
      ...(!a.decision
        ? { decide: runUrl(call.origin, doc.id, `/approvals/${encodeURIComponent(a.gate)}`) }
        : {}),
    })),
    counters: doc.counters,
    artifactCount: doc.artifacts.length,
    links: runLinks(call.origin, doc.id),
  };
}

/** GET /api/runs/{runId}/events: the run's CloudEvents in order, with whether each was published. */
export const runEventsHandler = handle('Runs.Read', async (call) => {
  noQuery(call.request.query);
  const doc = await callersRun(call);
  const events = await composition().ports.runs.listEvents(doc.tenantId, doc.id);
  return jsonResponse(200, { runId: doc.id, events });
});

app.http('apiGetRun', {
  route: 'runs/{runId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: getRunHandler,
});

app.http('apiRunEvents', {
  route: 'runs/{runId}/events',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: runEventsHandler,
});
