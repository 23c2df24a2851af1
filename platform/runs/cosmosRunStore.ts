import { createHash } from 'node:crypto';
import { ErrorResponse, type Container } from '@azure/cosmos';
import type { CloudEvent } from '../../core/ports/eventBus';
import type { RunDocument, RunPage, RunStatus, RunStore } from '../../core/ports/runStore';
import { backoff, checkDocument, checkEvent, checkKeys, checkListQuery } from './runChecks';

/** Stored shape: the run document plus a discriminator, since outbox entries share the partition. */
type StoredRun = RunDocument & { docType: 'run' };
interface StoredEvent {
  id: string;
  tenantId: string;
  runId: string;
  docType: 'event';
  /** Append order within the run: see nextSequence. */
  seq: number;
  published: boolean;
  event: CloudEvent;
}

const maxUpdateAttempts = 50;
let lastSequence = 0;

/**
 * Outbox order: the clock in milliseconds * 1000, raised past the last number this process gave, so one process's
 * events keep their order (several in one millisecond, or after the clock steps back) and several processes'
 * events interleave by time.
 */
function nextSequence(): number {
  lastSequence = Math.max(Date.now() * 1000, lastSequence + 1);
  return lastSequence;
}

/**
 * Run state in Cosmos DB: container `runs`, partition key `/tenantId`, one document per run and one per outbox
 * event (ADR 0022). Updates are read-modify-write guarded by the document's ETag (If-Match); a 412 means
 * someone else wrote first, so the mutation is re-applied to the fresh document.
 */
export class CosmosRunStore implements RunStore {
  readonly adapter = 'cosmos';

  private ready?: Promise<unknown>;

  /**
   * `ensure` runs once before the first request (creating the database and container where the credentials
   * allow it), so the store can be built synchronously at start-up.
   */
  constructor(
    private readonly container: Container,
    private readonly ensure?: () => Promise<unknown>,
  ) {}

  async create(doc: RunDocument): Promise<{ doc: RunDocument; created: boolean }> {
    checkDocument(doc);
    await this.init();
    try {
      const { resource } = await this.container.items.create<StoredRun>({ ...doc, docType: 'run' });
      return { doc: strip(resource!), created: true };
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    const existing = await this.get(doc.tenantId, doc.id);
    if (!existing) throw new Error(`run ${doc.tenantId}/${doc.id} exists but could not be read`);
    return { doc: existing, created: false };
  }

  async get(tenantId: string, runId: string): Promise<RunDocument | undefined> {
    checkKeys(tenantId, runId);
    const found = await this.read(tenantId, runId);
    return found ? strip(found.doc) : undefined;
  }

  async update(tenantId: string, runId: string, mutate: (doc: RunDocument) => void): Promise<RunDocument> {
    checkKeys(tenantId, runId);
    for (let attempt = 0; attempt < maxUpdateAttempts; attempt++) {
      const found = await this.read(tenantId, runId);
      if (!found) throw new Error(`run ${tenantId}/${runId} not found`);
      const doc = strip(found.doc);
      mutate(doc);
      if (doc.id !== runId || doc.tenantId !== tenantId)
        throw new Error('a run update cannot change id or tenantId');
      checkDocument(doc);
      try {
        const { resource } = await this.container
          .item(runId, tenantId)
          .replace<StoredRun>(
            { ...doc, docType: 'run' },
            { accessCondition: { type: 'IfMatch', condition: found.etag } },
          );
        return strip(resource!);
      } catch (error) {
        if (statusOf(error) !== 412) throw error;
        await backoff(attempt);
      }
    }
    throw new Error(
      `run ${tenantId}/${runId}: gave up after ${maxUpdateAttempts} conflicting concurrent updates`,
    );
  }

  async list(
    tenantId: string,
    query: { status?: RunStatus; limit?: number; continuationToken?: string },
  ): Promise<RunPage> {
    checkKeys(tenantId, 'list');
    const limit = checkListQuery(query);
    await this.init();
    const filters = ['c.tenantId = @tenantId', "c.docType = 'run'"];
    const parameters = [{ name: '@tenantId', value: tenantId }];
    if (query.status) {
      filters.push('c.status = @status');
      parameters.push({ name: '@status', value: query.status });
    }
    try {
      const page = await this.container.items
        .query<StoredRun>(
          { query: `SELECT * FROM c WHERE ${filters.join(' AND ')} ORDER BY c.createdAt DESC`, parameters },
          { partitionKey: tenantId, maxItemCount: limit, continuationToken: query.continuationToken },
        )
        .fetchNext();
      return {
        items: page.resources.map(strip),
        ...(page.continuationToken && page.hasMoreResults
          ? { continuationToken: page.continuationToken }
          : {}),
      };
    } catch (error) {
      if (query.continuationToken && statusOf(error) === 400) {
        throw new Error('invalid continuation token: it was not issued by this run store');
      }
      throw error;
    }
  }

  async appendEvent(tenantId: string, runId: string, event: CloudEvent): Promise<void> {
    checkKeys(tenantId, runId);
    checkEvent(event);
    await this.init();
    const entry: StoredEvent = {
      id: eventDocumentId(runId, event.id),
      tenantId,
      runId,
      docType: 'event',
      seq: nextSequence(),
      published: false,
      event,
    };
    try {
      await this.container.items.create(entry);
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
  }

  async markEventPublished(tenantId: string, runId: string, eventId: string): Promise<void> {
    checkKeys(tenantId, runId);
    await this.init();
    try {
      await this.container
        .item(eventDocumentId(runId, eventId), tenantId)
        .patch([{ op: 'set', path: '/published', value: true }]);
    } catch (error) {
      if (statusOf(error) === 404) throw new Error(`event ${eventId} of run ${tenantId}/${runId} not found`);
      throw error;
    }
  }

  async listEvents(tenantId: string, runId: string): Promise<Array<CloudEvent & { published: boolean }>> {
    checkKeys(tenantId, runId);
    await this.init();
    const { resources } = await this.container.items
      .query<StoredEvent>(
        {
          query:
            "SELECT * FROM c WHERE c.tenantId = @tenantId AND c.docType = 'event' AND c.runId = @runId ORDER BY c.seq",
          parameters: [
            { name: '@tenantId', value: tenantId },
            { name: '@runId', value: runId },
          ],
        },
        // Stryker disable next-line ObjectLiteral: the WHERE clause names the tenant, so a cross-partition query finds the same events; the partition key only keeps the query (and its cost) on one partition
        { partitionKey: tenantId },
      )
      .fetchAll();
    return resources.map((entry) => ({ ...entry.event, published: entry.published }));
  }

  private init(): Promise<unknown> {
    if (!this.ensure) return Promise.resolve();
    this.ready ??= this.ensure().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  private async read(tenantId: string, runId: string): Promise<{ doc: StoredRun; etag: string } | undefined> {
    await this.init();
    // The SDK answers a 404 of a point read with an undefined resource and throws only other failures.
    const { resource, etag } = await this.container.item(runId, tenantId).read<StoredRun>();
    if (!resource || resource.docType !== 'run') return undefined;
    return { doc: resource, etag };
  }
}

/** Run ids never contain `~`, and hashing keeps arbitrary event ids within Cosmos id rules. */
function eventDocumentId(runId: string, eventId: string): string {
  // Stryker disable next-line MethodExpression: the full 64-digit hash would make an equally unique, valid id; 32 digits keep ids short
  return `${runId}~event~${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}

/** Drops Cosmos system properties (`_etag`, `_ts`, ...) and the discriminator. */
function strip(stored: StoredRun): RunDocument {
  const doc: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(stored)) {
    if (!key.startsWith('_') && key !== 'docType') doc[key] = value;
  }
  return doc as unknown as RunDocument;
}

/** The HTTP status of a failed Cosmos DB request; transport failures (string codes) have none. */
function statusOf(error: unknown): number | undefined {
  return error instanceof ErrorResponse && typeof error.code === 'number' ? error.code : undefined;
}
