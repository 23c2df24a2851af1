import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { validateSegment } from '../../platform/artifacts/artifactPath';
import { writeFileAtomic } from '../../platform/files/atomicWrite';
import type { ActivityExecution } from '../../core/ports/activityTrace';
import type { ArtifactStore, StoredArtifact } from '../../core/ports/artifactStore';
import type { RunStore } from '../../core/ports/runStore';
import { runOperationId } from '../../telemetry';
import { effectiveStatus } from '../runView';
import { renderRunReport, type ReportData } from './renderReport';

export interface ReportOptions {
  /** Activity executions from the durable host, for the timeline of agents. */
  trace?: ActivityExecution[];
  /** The orchestration's runtime status, so an orchestrator error or a termination shows. */
  runtime?: { runtimeStatus: string; output?: unknown };
  generatedAt?: Date;
  /** Bytes of artifact content embedded at most; later artifacts are listed without their content. */
  maxEmbeddedBytes?: number;
  /** How generated code was confined on the host that ran the run's agents. */
  isolation?: string;
}

export class RunReportNotFoundError extends Error {
  override name = 'RunReportNotFoundError';
}

const inlineTypes = /^(text\/|application\/(json|yaml|x-yaml|vnd\.factory\.folder\+json|vnd\.oai\.openapi))/;

/** Reads what a report shows from the run store and the artifact store. */
export async function collectReportData(
  stores: { runs: RunStore; artifacts: ArtifactStore },
  tenantId: string,
  runId: string,
  options: ReportOptions = {},
): Promise<ReportData> {
  const doc = await stores.runs.get(tenantId, runId);
  if (!doc) throw new RunReportNotFoundError(`run ${runId} of tenant ${tenantId} does not exist`);
  const [events, listed] = await Promise.all([
    stores.runs.listEvents(tenantId, runId),
    stores.artifacts.list(tenantId, runId),
  ]);
  // Earlier reports are not part of a report.
  const artifacts = listed.filter((a) => a.kind !== 'run-report');
  const contents = new Map<string, Buffer>();
  let budget = options.maxEmbeddedBytes ?? 4 * 1024 * 1024;
  for (const artifact of artifacts) {
    if (
      artifact.kind.endsWith('-file') ||
      !inlineTypes.test(artifact.contentType) ||
      artifact.bytes > 200 * 1024 ||
      artifact.bytes > budget
    )
      continue;
    try {
      contents.set(artifact.path, await stores.artifacts.get(tenantId, runId, artifact.path));
      budget -= artifact.bytes;
    } catch {
      // A missing or corrupt artifact is listed without content rather than failing the whole report.
    }
  }
  const { status, failure } = effectiveStatus(doc, options.runtime);
  const traced = events.find((e) => e.traceparent)?.traceparent?.split('-')[1];
  return {
    doc,
    status,
    failure,
    events,
    artifacts,
    contents,
    trace: options.trace,
    generatedAt: options.generatedAt ?? new Date(),
    operationId: traced ?? runOperationId(tenantId, runId),
    location: stores.artifacts.describeLocation(tenantId, runId),
    isolation: options.isolation,
  };
}

export async function buildRunReport(
  stores: { runs: RunStore; artifacts: ArtifactStore },
  tenantId: string,
  runId: string,
  options: ReportOptions = {},
): Promise<string> {
  return renderRunReport(await collectReportData(stores, tenantId, runId, options));
}

/**
 * Stores a report as the run's `run-report` artifact. Artifact paths are immutable, so each distinct report
 * gets its own path (named by its content hash); writing the same report again is a no-op.
 */
export async function storeRunReport(
  artifacts: ArtifactStore,
  tenantId: string,
  runId: string,
  page: string,
): Promise<StoredArtifact> {
  const hash = createHash('sha256').update(page).digest('hex').slice(0, 12);
  return artifacts.put(tenantId, runId, `report/run-report-${hash}.html`, page, {
    kind: 'run-report',
    phase: 'report',
    agent: 'factory',
    contentType: 'text/html',
  });
}

/**
 * Writes `<factoryHome>/reports/<tenantId>/<runId>.html` (replaced atomically) and returns its path. Per tenant,
 * as artifacts are: two tenants may have runs of the same id.
 */
export async function writeReportFile(
  factoryHome: string,
  tenantId: string,
  runId: string,
  page: string,
): Promise<string> {
  if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(runId)) throw new Error(`invalid run id '${runId}'`);
  const dir = join(factoryHome, 'reports', validateSegment('tenantId', tenantId));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${runId}.html`);
  await writeFileAtomic(file, page);
  return file;
}
