import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { phaseInstanceId, runInstanceId } from '../../platform/runs/instanceIds';
import { handle } from './handle';
import { validationProblem } from './problem';
import { instanceStatus } from '../../runs/instanceStatus';
import { callersRun, jsonResponse } from './runAccess';
import { summarizeHistory, type ActivityExecution, type RaisedEvent } from './traceSummary';

/** Bounds the work one trace request can cause (phases × attempts × iterations stays far below this). */
const maxInstances = 200;

/**
 * GET /api/runs/{runId}/trace: every orchestration of the run (the run's instance and its phase
 * sub-orchestrations, `<run instance id>:<phase>:<iteration>:<attempt>`) and the activity executions read from
 * their durable histories.
 */
export const runTraceHandler = handle('Runs.Read', async (call) => {
  const keys = [...call.request.query.keys()];
  if (keys.length)
    throw validationProblem(keys.map((key) => ({ field: `query.${key}`, message: 'unknown parameter' })));
  const doc = await callersRun(call);
  const client = call.client();
  // Earlier iterations' phases are known from the run document: continueAsNew drops them from the history.
  const root = runInstanceId(doc.tenantId, doc.id);
  const queue = [root, ...doc.phases.map((p) => phaseInstanceId(root, p.phase, p.iteration, p.attempt))];
  const seen = new Set<string>();
  const orchestrations: Array<Record<string, unknown>> = [];
  const activities: ActivityExecution[] = [];
  const events: RaisedEvent[] = [];
  while (queue.length && seen.size < maxInstances) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const status = await instanceStatus(client, id, {
      showHistory: true,
      showHistoryOutput: false,
    });
    if (!status) continue;
    const summary = summarizeHistory(id, status.history);
    orchestrations.push({
      instanceId: id,
      name: status.name,
      runtimeStatus: String(status.runtimeStatus),
      createdTime: status.createdTime,
      lastUpdatedTime: status.lastUpdatedTime,
      customStatus: status.customStatus ?? null,
    });
    activities.push(...summary.activities);
    events.push(...summary.events);
    queue.push(...summary.children);
  }
  const byTime = (a: string | null, b: string | null) => (a ?? '').localeCompare(b ?? '');
  activities.sort((a, b) => byTime(a.scheduledAt ?? a.endedAt, b.scheduledAt ?? b.endedAt));
  return jsonResponse(200, {
    runId: doc.id,
    orchestrations,
    activities,
    events,
    totals: {
      activities: activities.length,
      failed: activities.filter((a) => a.outcome === 'failed').length,
      running: activities.filter((a) => a.outcome === 'running').length,
    },
    truncated: queue.length > 0,
  });
});

app.http('apiRunTrace', {
  route: 'runs/{runId}/trace',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: runTraceHandler,
});
