import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { validateSegment } from '../artifacts/artifactPath';
import type { CloudEvent } from '../../core/ports/eventBus';
import type { RunDocument, RunPage, RunStatus, RunStore } from '../../core/ports/runStore';
import { checkDocument, checkEvent, checkKeys, checkListQuery } from './runChecks';

interface Cursor {
  createdAt: string;
  id: string;
}

/**
 * Run state in one SQLite file (`<factoryHome>/state.db`). The document is kept whole as JSON, with the
 * columns that queries need beside it. Updates run inside an immediate transaction, so concurrent writers
 * (this process or another one on the same file) are serialized by SQLite itself.
 */
export class SqliteRunStore implements RunStore {
  readonly adapter = 'sqlite';
  private readonly db: Database.Database;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS runs (
        tenant_id TEXT NOT NULL,
        id TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (tenant_id, id)
      );
      CREATE INDEX IF NOT EXISTS runs_by_time ON runs (tenant_id, created_at DESC, id DESC);
      CREATE TABLE IF NOT EXISTS run_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        event_id TEXT NOT NULL,
        published INTEGER NOT NULL DEFAULT 0,
        event TEXT NOT NULL,
        UNIQUE (tenant_id, run_id, event_id)
      );
    `);
  }

  async create(doc: RunDocument): Promise<{ doc: RunDocument; created: boolean }> {
    checkDocument(doc);
    const inserted = this.db
      .prepare(
        'INSERT OR IGNORE INTO runs (tenant_id, id, status, created_at, version, doc) VALUES (?, ?, ?, ?, 1, ?)',
      )
      .run(doc.tenantId, doc.id, doc.status, doc.createdAt, JSON.stringify(doc));
    const stored = await this.get(doc.tenantId, doc.id);
    return { doc: stored!, created: inserted.changes === 1 };
  }

  async get(tenantId: string, runId: string): Promise<RunDocument | undefined> {
    checkKeys(tenantId, runId);
    const row = this.db
      .prepare('SELECT doc FROM runs WHERE tenant_id = ? AND id = ?')
      .get(tenantId, runId) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as RunDocument) : undefined;
  }

  async update(tenantId: string, runId: string, mutate: (doc: RunDocument) => void): Promise<RunDocument> {
    checkKeys(tenantId, runId);
    const transaction = this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT doc, version FROM runs WHERE tenant_id = ? AND id = ?')
        .get(tenantId, runId) as { doc: string; version: number } | undefined;
      if (!row) throw new Error(`run ${tenantId}/${runId} not found`);
      const doc = JSON.parse(row.doc) as RunDocument;
      mutate(doc);
      if (doc.id !== runId || doc.tenantId !== tenantId)
        throw new Error('a run update cannot change id or tenantId');
      checkDocument(doc);
      this.db
        .prepare('UPDATE runs SET status = ?, version = version + 1, doc = ? WHERE tenant_id = ? AND id = ?')
        .run(doc.status, JSON.stringify(doc), tenantId, runId);
      return doc;
    });
    return transaction.immediate();
  }

  async list(
    tenantId: string,
    query: { status?: RunStatus; limit?: number; continuationToken?: string },
  ): Promise<RunPage> {
    validateSegment('tenantId', tenantId);
    const limit = checkListQuery(query);
    const cursor = query.continuationToken ? decodeCursor(query.continuationToken) : undefined;
    const clauses = ['tenant_id = @tenantId'];
    if (query.status) clauses.push('status = @status');
    if (cursor) clauses.push('(created_at < @createdAt OR (created_at = @createdAt AND id < @id))');
    const rows = this.db
      .prepare(
        `SELECT doc FROM runs WHERE ${clauses.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT @limit`,
      )
      .all({
        tenantId,
        status: query.status,
        createdAt: cursor?.createdAt,
        id: cursor?.id,
        limit: limit + 1,
      }) as Array<{
      doc: string;
    }>;
    const items = rows.slice(0, limit).map((row) => JSON.parse(row.doc) as RunDocument);
    const last = items[items.length - 1];
    return rows.length > limit && last
      ? { items, continuationToken: encodeCursor({ createdAt: last.createdAt, id: last.id }) }
      : { items };
  }

  async appendEvent(tenantId: string, runId: string, event: CloudEvent): Promise<void> {
    checkKeys(tenantId, runId);
    checkEvent(event);
    this.db
      .prepare('INSERT OR IGNORE INTO run_events (tenant_id, run_id, event_id, event) VALUES (?, ?, ?, ?)')
      .run(tenantId, runId, event.id, JSON.stringify(event));
  }

  async markEventPublished(tenantId: string, runId: string, eventId: string): Promise<void> {
    checkKeys(tenantId, runId);
    const result = this.db
      .prepare('UPDATE run_events SET published = 1 WHERE tenant_id = ? AND run_id = ? AND event_id = ?')
      .run(tenantId, runId, eventId);
    if (result.changes === 0) throw new Error(`event ${eventId} of run ${tenantId}/${runId} not found`);
  }

  async listEvents(tenantId: string, runId: string): Promise<Array<CloudEvent & { published: boolean }>> {
    checkKeys(tenantId, runId);
    const rows = this.db
      .prepare('SELECT event, published FROM run_events WHERE tenant_id = ? AND run_id = ? ORDER BY seq')
      .all(tenantId, runId) as Array<{ event: string; published: number }>;
    return rows.map((row) => ({ ...(JSON.parse(row.event) as CloudEvent), published: row.published === 1 }));
  }

  close(): void {
    this.db.close();
  }
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Cursor;
    if (typeof cursor.createdAt === 'string' && typeof cursor.id === 'string') return cursor;
  } catch {
    // fall through to the error below
  }
  throw new Error('invalid continuation token: it was not issued by this run store');
}
