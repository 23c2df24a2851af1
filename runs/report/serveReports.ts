import type { ArtifactStore } from '../../core/ports/artifactStore';
import type { RunStore } from '../../core/ports/runStore';
import { effectiveStatus } from '../runView';
import { buildRunReport } from './buildRunReport';
import type { ActivityExecution } from '../../core/ports/activityTrace';
import { renderRunsIndex } from './runsIndex';

/** What serving reports needs: the stores, the tenant, and (locally) the embedded host's run traces and status. */
export interface ReportSource {
  ports: { runs: RunStore; artifacts: ArtifactStore };
  tenantId: string;
  host?: {
    runTrace(tenantId: string, runId: string): ActivityExecution[];
    runStatus(tenantId: string, runId: string): { runtimeStatus: string; output?: unknown } | undefined;
  };
}

export interface ReportResponse {
  status: number;
  contentType: string;
  body: string;
}

const runPage = /^\/reports\/([A-Za-z0-9][A-Za-z0-9_-]{0,127})\.html$/;

/**
 * Answers `GET /reports/` (the runs, newest first, linking to their reports) and `GET /reports/<runId>.html`
 * (the report, rendered fresh). Returns undefined for paths outside `/reports`.
 */
export async function reportResponse(
  method: string,
  url: string,
  source: ReportSource,
): Promise<ReportResponse | undefined> {
  const path = decodeURIComponent(url.split('?')[0]);
  if (path !== '/reports' && !path.startsWith('/reports/')) return undefined;
  const problem = (status: number, title: string, detail: string): ReportResponse => ({
    status,
    contentType: 'application/problem+json',
    body: JSON.stringify({ type: 'about:blank', title, status, detail }),
  });
  if (method !== 'GET' && method !== 'HEAD')
    return problem(405, 'Method Not Allowed', 'reports are read with GET');
  if (path === '/reports' || path === '/reports/') {
    const page = await source.ports.runs.list(source.tenantId, { limit: 200 });
    const runs = page.items
      .map((doc) => ({
        doc,
        status: effectiveStatus(doc, source.host?.runStatus(source.tenantId, doc.id)).status,
      }))
      .sort((a, b) => b.doc.createdAt.localeCompare(a.doc.createdAt));
    return {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      body: renderRunsIndex(runs, source.tenantId),
    };
  }
  const match = runPage.exec(path);
  if (!match) return problem(404, 'Not Found', `no report at ${path}; reports are /reports/<runId>.html`);
  const runId = match[1];
  if (!(await source.ports.runs.get(source.tenantId, runId)))
    return problem(404, 'Not Found', `run ${runId} does not exist`);
  const body = await buildRunReport(source.ports, source.tenantId, runId, {
    trace: source.host?.runTrace(source.tenantId, runId),
    runtime: source.host?.runStatus(source.tenantId, runId),
  });
  return { status: 200, contentType: 'text/html; charset=utf-8', body };
}
