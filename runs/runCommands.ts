import { approvalEventName } from '../orchestrations/factoryRun';
import { approvalGates } from '../core/phases';
import type { Ports } from '../platform/config';
import type { RunDocument } from '../core/ports/runStore';
import { runInstanceId } from '../platform/runs/instanceIds';
import type { RunsClient } from './startRun';

export class RunNotFoundError extends Error {
  override name = 'RunNotFoundError';
}

export class GateNotWaitingError extends Error {
  override name = 'GateNotWaitingError';
}

export async function requireRun(ports: Ports, tenantId: string, runId: string): Promise<RunDocument> {
  const doc = await ports.runs.get(tenantId, runId);
  if (!doc) throw new RunNotFoundError(`run ${runId} not found`);
  return doc;
}

export interface ApprovalRequest {
  tenantId: string;
  runId: string;
  gate: string;
  decision: 'approve' | 'reject';
  reason?: string;
  by?: string;
  /** On rejection: rerun the phase with the reason as feedback (default) or end the run as Rejected. */
  onReject?: 'rerun' | 'end';
}

/** Delivers a reviewer's decision to a run waiting at that approval gate. */
export async function decideApproval(
  ports: Ports,
  client: RunsClient,
  request: ApprovalRequest,
): Promise<void> {
  if (!approvalGates.includes(request.gate)) {
    throw new GateNotWaitingError(
      `unknown approval gate '${request.gate}' (gates: ${approvalGates.join(', ')})`,
    );
  }
  const doc = await requireRun(ports, request.tenantId, request.runId);
  const waiting = doc.approvals.find((a) => a.gate === request.gate && !a.decision);
  if (!waiting || doc.status !== 'WaitingForApproval') {
    throw new GateNotWaitingError(`run ${request.runId} is not waiting for approval of '${request.gate}'`);
  }
  await client.raiseEvent(runInstanceId(doc.tenantId, doc.id), approvalEventName(request.gate), {
    decision: request.decision,
    reason: request.reason,
    by: request.by,
    onReject: request.onReject,
  });
}

const finished = ['Completed', 'Failed', 'Rejected', 'Terminated'];

/** Cancels a run: terminates its orchestration (and its phases) and records it in the run document. */
export async function cancelRun(
  ports: Ports,
  client: RunsClient,
  tenantId: string,
  runId: string,
  reason = 'cancelled by user',
  now = new Date(),
): Promise<RunDocument> {
  const doc = await requireRun(ports, tenantId, runId);
  if (finished.includes(doc.status)) return doc;
  // The durable client puts the reason into the terminate URL as it is; encoded, `&` or `#` in it stay text.
  await client.terminate(runInstanceId(tenantId, runId), encodeURIComponent(reason));
  return ports.runs.update(tenantId, runId, (d) => {
    d.status = 'Terminated';
    d.failure = { reason: 'cancelled', message: reason };
    d.updatedAt = now.toISOString();
  });
}
