import { validateSegment } from '../artifacts/artifactPath';
import type { CloudEvent } from '../../core/ports/eventBus';
import type { RunDocument, RunStatus } from '../../core/ports/runStore';

/**
 * Run ids as runs are started with them. They begin their run's durable instance id (`instanceIds.ts`), so never
 * `:`, which phase instance ids use, nor `~`, which ends the run id there.
 */
export const runIdPattern = /^[A-Za-z0-9][A-Za-z0-9_-]{2,63}$/;
export const runIdRule = '3-64 letters, digits, - or _, starting with a letter or digit';

export const runStatuses: readonly RunStatus[] = [
  'Pending',
  'Running',
  'WaitingForApproval',
  'Completed',
  'Failed',
  'Rejected',
  'Terminated',
];

export const defaultPageSize = 50;
export const maxPageSize = 1000;

/** Validates a list query the same way for every adapter, so callers get the same errors everywhere. */
export function checkListQuery(query: {
  status?: RunStatus;
  limit?: number;
  continuationToken?: string;
}): number {
  if (query.status !== undefined && !runStatuses.includes(query.status)) {
    throw new Error(
      `invalid run status ${JSON.stringify(query.status)}: expected one of ${runStatuses.join(', ')}`,
    );
  }
  const limit = query.limit ?? defaultPageSize;
  if (!Number.isInteger(limit) || limit < 1 || limit > maxPageSize) {
    throw new Error(`invalid page size ${limit}: expected an integer from 1 to ${maxPageSize}`);
  }
  if (
    query.continuationToken !== undefined &&
    (typeof query.continuationToken !== 'string' || query.continuationToken === '')
  ) {
    throw new Error('invalid continuation token: expected a non-empty string from a previous page');
  }
  return limit;
}

/** Waits before retrying a lost optimistic update: growing, with full jitter so racing writers spread out. */
export function backoff(attempt: number): Promise<void> {
  const ms = Math.min(100, 5 * 2 ** attempt) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function checkKeys(tenantId: string, runId: string): void {
  validateSegment('tenantId', tenantId);
  validateSegment('runId', runId);
}

export function checkDocument(doc: RunDocument): void {
  if (!doc || typeof doc !== 'object') throw new Error('invalid run document: expected an object');
  checkKeys(doc.tenantId, doc.id);
  if (typeof doc.createdAt !== 'string' || Number.isNaN(Date.parse(doc.createdAt))) {
    throw new Error(`invalid run document ${doc.id}: createdAt must be an ISO timestamp`);
  }
  if (typeof doc.status !== 'string') throw new Error(`invalid run document ${doc.id}: status is missing`);
}

export function checkEvent(event: CloudEvent): void {
  if (!event || typeof event.id !== 'string' || event.id.length === 0 || event.id.length > 128) {
    throw new Error('invalid event: id must be a string of 1 to 128 characters');
  }
  if (typeof event.type !== 'string' || event.type.length === 0)
    throw new Error(`invalid event ${event.id}: type is missing`);
}
