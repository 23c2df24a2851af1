import * as df from 'durable-functions';
import type { ArtifactRef } from '../../agents/agent';
import { ports } from '../../platform/runtime';
import { buildRunReport, storeRunReport } from '../../runs/report';

export interface WriteRunReportInput {
  runId: string;
  tenantId: string;
  /** The orchestrator's current time: the report's "generated" time, so a re-run writes the same page. */
  at: string;
}

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
 * Writes the run's HTML report as its `run-report` artifact, from the run document, the event outbox and the
 * artifacts. In Azure there is no activity trace to read here, so the timeline shows phases and approvals;
 * the local CLI writes a fuller report (agents on the timeline) from the embedded host's trace.
 */
export async function writeRunReport(input: unknown): Promise<ArtifactRef> {
  const { runId, tenantId, at } = validate(input);
  const { artifacts, runs } = ports();
  const page = await buildRunReport({ artifacts, runs }, tenantId, runId, { generatedAt: new Date(at) });
  const stored = await storeRunReport(artifacts, tenantId, runId, page);
  return { path: stored.path, sha256: stored.sha256, kind: stored.kind };
}

df.app.activity('writeRunReport', { handler: (input: unknown) => writeRunReport(input) });
