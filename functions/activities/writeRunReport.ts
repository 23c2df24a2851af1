import { activities } from '../../core/activities';
import { registerActivity } from './registerActivity';
import type { ArtifactRef } from '../../core/agent';
import type { WriteRunReportInput } from '../../core/workflowContracts';
import { activityTrace, ports } from '../../platform/runtime';
import { sandboxIsolation } from '../../platform/sandbox';
import { buildRunReport, storeRunReport } from '../../runs/report';

function validate(input: unknown): WriteRunReportInput {
  const value = input as Partial<WriteRunReportInput> | null;
  const problems: string[] = [];
  if (!value || typeof value !== 'object')
    throw new TypeError('writeRunReport needs { runId, tenantId, at }');
  if (typeof value.runId !== 'string' || !value.runId) problems.push('runId must be a non-empty string');
  if (typeof value.tenantId !== 'string' || !value.tenantId)
    problems.push('tenantId must be a non-empty string');
  if (typeof value.at !== 'string' || Number.isNaN(Date.parse(value.at)))
    problems.push('at must be an ISO date-time');
  if (problems.length) throw new TypeError(`invalid writeRunReport input: ${problems.join('; ')}`);
  return value as WriteRunReportInput;
}

/**
 * Writes the run's HTML report as its `run-report` artifact, from the run document, the event outbox, the
 * artifacts and, where the host keeps one, the activity trace (agents on the timeline; on the Functions host the
 * timeline shows phases and approvals). This step is the one place a finished run's report is stored, so a crash
 * at any moment leaves the same single report once the run is resumed; a re-execution writes the same page
 * (its time is the orchestrator's, and every agent and gate execution it shows has ended).
 */
export async function writeRunReport(input: unknown): Promise<ArtifactRef> {
  const { runId, tenantId, at } = validate(input);
  const { artifacts, runs } = ports();
  const page = await buildRunReport({ artifacts, runs }, tenantId, runId, {
    generatedAt: new Date(at),
    trace: activityTrace()?.(tenantId, runId),
    isolation: sandboxIsolation(),
  });
  const stored = await storeRunReport(artifacts, tenantId, runId, page);
  return { path: stored.path, sha256: stored.sha256, kind: 'run-report' };
}

registerActivity(activities.writeRunReport, writeRunReport);
