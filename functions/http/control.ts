import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import { composition } from '../compositionRoot';
import { cancelRun, decideApproval } from '../../runs/runCommands';
import type { RunsClient } from '../../runs/startRun';
import { readJson } from './body';
import { handle, type ApiCall } from './handle';
import { validationProblem } from './problem';
import { instanceStatus } from '../../runs/instanceStatus';
import { callersRun, jsonResponse, runLinks } from './runAccess';

export const approvalBodySchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    reason: z.string().trim().min(1).max(2000).optional(),
    onReject: z.enum(['rerun', 'end']).optional(),
  })
  .strict();

/** POST /api/runs/{runId}/approvals/{gate}: a reviewer's decision for a run waiting at that gate. */
export const approvalHandler = handle('Gates.Approve', async (call) => {
  const body = await readJson(call.request, approvalBodySchema);
  if (body.onReject && body.decision !== 'reject') {
    throw validationProblem([{ field: 'onReject', message: 'only applies when the decision is reject' }]);
  }
  const doc = await callersRun(call);
  const gate = (call.request.params.gate ?? '').slice(0, 100);
  await decideApproval(composition().ports, call.client(), {
    tenantId: doc.tenantId,
    runId: doc.id,
    gate,
    decision: body.decision,
    reason: body.reason,
    by: call.principal.subject,
    onReject: body.onReject,
  });
  return jsonResponse(
    202,
    { runId: doc.id, gate, decision: body.decision, accepted: true, links: runLinks(call.origin, doc.id) },
    {
      location: runLinks(call.origin, doc.id).self,
    },
  );
});

const terminalRuntime = ['Completed', 'Failed', 'Terminated', 'Canceled'];

/**
 * The durable client for a cancel: terminating an instance that is missing or already ended is not an
 * error for a cancel, which only has to leave the run stopped and recorded as cancelled.
 */
function cancellingClient(call: ApiCall): RunsClient {
  const client = call.client();
  return {
    startNew: (name, options) => client.startNew(name, options),
    getStatus: (id, options) => instanceStatus(client, id, options) as ReturnType<RunsClient['getStatus']>,
    raiseEvent: (id, name, data) => client.raiseEvent(id, name, data),
    terminate: async (id, reason) => {
      const status = await instanceStatus(client, id);
      if (!status || terminalRuntime.includes(String(status.runtimeStatus))) return;
      try {
        await client.terminate(id, reason);
      } catch (error) {
        const after = await instanceStatus(client, id);
        if (after && !terminalRuntime.includes(String(after.runtimeStatus))) throw error;
      }
    },
  };
}

const cancelBodySchema = z.object({ reason: z.string().trim().min(1).max(500).optional() }).strict();

/** POST /api/runs/{runId}/cancel: stops the run's orchestration and records it as Terminated. */
export const cancelHandler = handle('Runs.Start', async (call) => {
  const body = await readJson(call.request, cancelBodySchema, { optional: true });
  const doc = await callersRun(call);
  const after = await cancelRun(
    composition().ports,
    cancellingClient(call),
    doc.tenantId,
    doc.id,
    body.reason ?? `cancelled by ${call.principal.subject}`,
  );
  return jsonResponse(200, {
    runId: after.id,
    status: after.status,
    failure: after.failure ?? null,
    links: runLinks(call.origin, after.id),
  });
});

app.http('apiDecideApproval', {
  route: 'runs/{runId}/approvals/{gate}',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: approvalHandler,
});

app.http('apiCancelRun', {
  route: 'runs/{runId}/cancel',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: cancelHandler,
});
