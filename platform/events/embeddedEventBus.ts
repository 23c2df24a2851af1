import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CloudEvent, EventBus } from '../../core/ports/eventBus';
import { serializeCloudEvent } from './cloudEvents';

export interface StoredEvent {
  /** Position in the log; consumers remember it to resume after a restart. */
  seq: number;
  event: CloudEvent;
}

export interface EventQuery {
  /** Only events after this position. */
  after?: number;
  tenantId?: string;
  runId?: string;
  type?: string;
  limit?: number;
}

export interface QueueMessage {
  messageId: string;
  body: unknown;
  applicationProperties: Record<string, string | number | boolean>;
  deliveryCount: number;
  lockToken: string;
  enqueuedAt: string;
}

export interface DeadLetteredMessage extends Omit<QueueMessage, 'lockToken'> {
  reason: string;
  description?: string;
}

const schema = `
  CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    tenant_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    type TEXT NOT NULL,
    published_at TEXT NOT NULL,
    event TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS events_by_run ON events (tenant_id, subject, seq);
  CREATE TABLE IF NOT EXISTS queue_messages (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    queue TEXT NOT NULL,
    message_id TEXT NOT NULL,
    body TEXT NOT NULL,
    properties TEXT NOT NULL,
    enqueued_at TEXT NOT NULL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    lock_token TEXT,
    locked_until INTEGER NOT NULL DEFAULT 0,
    dead_letter_reason TEXT,
    dead_letter_description TEXT,
    UNIQUE (queue, message_id)
  );
  CREATE INDEX IF NOT EXISTS queue_ready ON queue_messages (queue, dead_letter_reason, locked_until, seq);
`;

/**
 * The local stand-in for Service Bus: phase events in an append-only SQLite log (so `factory events` and
 * local consumers see them after a restart, and several processes can share it), plus command queues with
 * peek-lock semantics. Duplicates are dropped by id, as Service Bus duplicate detection does.
 */
export class EmbeddedEventBus implements EventBus {
  readonly adapter = 'embedded';
  private readonly db: Database.Database;
  private readonly emitter = new EventEmitter();
  private closed = false;

  constructor(
    readonly file: string,
    private readonly options: { maxDeliveryCount?: number; lockDurationMs?: number } = {},
  ) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(schema);
    this.emitter.setMaxListeners(0);
  }

  async publish(event: CloudEvent): Promise<void> {
    this.assertOpen();
    const json = serializeCloudEvent(event);
    const result = this.db
      .prepare(
        'INSERT OR IGNORE INTO events (id, tenant_id, subject, type, published_at, event) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .run(event.id, event.tenantid, event.subject, event.type, new Date().toISOString(), json);
    if (result.changes === 1) this.emitter.emit('event', { seq: Number(result.lastInsertRowid), event });
  }

  /** Events in publication order, optionally of one tenant, run (subject) or type. */
  list(query: EventQuery = {}): StoredEvent[] {
    this.assertOpen();
    const limit = query.limit ?? 1000;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
      throw new Error(`invalid limit ${limit}: 1 to 10000`);
    const clauses = ['seq > @after'];
    if (query.tenantId !== undefined) clauses.push('tenant_id = @tenantId');
    if (query.runId !== undefined) clauses.push('subject = @runId');
    if (query.type !== undefined) clauses.push('type = @type');
    const rows = this.db
      .prepare(`SELECT seq, event FROM events WHERE ${clauses.join(' AND ')} ORDER BY seq LIMIT @limit`)
      .all({
        after: query.after ?? 0,
        tenantId: query.tenantId,
        runId: query.runId,
        type: query.type,
        limit,
      }) as Array<{
      seq: number;
      event: string;
    }>;
    return rows.map((row) => ({ seq: row.seq, event: JSON.parse(row.event) as CloudEvent }));
  }

  /**
   * Calls `handler` for every event after `after`, in order: first the stored backlog, then new events as they
   * are published (by this process at once, by other processes within `pollMs`). Returns a stop function.
   */
  subscribe(
    handler: (stored: StoredEvent) => void | Promise<void>,
    options: Omit<EventQuery, 'limit'> & { pollMs?: number } = {},
  ): () => void {
    let position = options.after ?? 0;
    let stopped = false;
    let running: Promise<void> | undefined;
    let again = false;
    const drain = async (): Promise<void> => {
      do {
        again = false;
        for (;;) {
          if (stopped || this.closed) return;
          const batch = this.list({ ...options, after: position, limit: 500 });
          for (const stored of batch) {
            if (stopped) return;
            await handler(stored);
            position = stored.seq;
          }
          if (batch.length < 500) break;
        }
      } while (again);
    };
    const poke = () => {
      if (running) {
        again = true;
        return;
      }
      running = drain()
        .catch((error: unknown) => {
          // The failed event is retried on the next poll; make the failure visible meanwhile.
          if (!this.emitter.emit('subscriberError', error)) {
            process.emitWarning(`event subscriber failed: ${(error as Error)?.message ?? String(error)}`);
          }
        })
        .finally(() => {
          running = undefined;
        });
    };
    this.emitter.on('event', poke);
    const timer = setInterval(poke, options.pollMs ?? 500);
    timer.unref();
    poke();
    return () => {
      stopped = true;
      clearInterval(timer);
      this.emitter.off('event', poke);
    };
  }

  /** Errors thrown by subscription handlers (without a listener, a process warning). */
  onSubscriberError(listener: (error: unknown) => void): void {
    this.emitter.on('subscriberError', listener);
  }

  // ---- command queues ----

  /** Enqueues a message; a repeated message id is dropped (duplicate detection). Returns false for a repeat. */
  send(
    queue: string,
    message: {
      body: unknown;
      messageId?: string;
      applicationProperties?: Record<string, string | number | boolean>;
    },
  ): boolean {
    this.assertOpen();
    const result = this.db
      .prepare(
        'INSERT OR IGNORE INTO queue_messages (queue, message_id, body, properties, enqueued_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        queue,
        message.messageId ?? randomUUID(),
        JSON.stringify(message.body ?? null),
        JSON.stringify(message.applicationProperties ?? {}),
        new Date().toISOString(),
      );
    if (result.changes === 1) this.emitter.emit(`queue:${queue}`);
    return result.changes === 1;
  }

  /** Locks and returns the oldest available message, or undefined. Expired locks make messages available again. */
  receive(queue: string): QueueMessage | undefined {
    this.assertOpen();
    const now = Date.now();
    const lockToken = randomUUID();
    const take = this.db.transaction(() => {
      const row = this.db
        .prepare(
          `SELECT seq, delivery_count, lock_token FROM queue_messages
           WHERE queue = ? AND dead_letter_reason IS NULL AND locked_until <= ? ORDER BY seq LIMIT 1`,
        )
        .get(queue, now) as { seq: number; delivery_count: number; lock_token: string | null } | undefined;
      if (!row) return undefined;
      // A lock that ran out counts as a failed delivery.
      const count = row.delivery_count + (row.lock_token ? 1 : 0);
      if (count >= this.maxDeliveryCount) {
        this.db
          .prepare(
            `UPDATE queue_messages SET delivery_count = ?, lock_token = NULL, dead_letter_reason = 'MaxDeliveryCountExceeded',
             dead_letter_description = ? WHERE seq = ?`,
          )
          .run(count, `not consumed after ${count} delivery attempts`, row.seq);
        return 'retry' as const;
      }
      this.db
        .prepare(
          'UPDATE queue_messages SET delivery_count = ?, lock_token = ?, locked_until = ? WHERE seq = ?',
        )
        .run(count, lockToken, now + this.lockDurationMs, row.seq);
      return row.seq;
    });
    for (;;) {
      const seq = take.immediate();
      if (seq === undefined) return undefined;
      if (seq === 'retry') continue;
      const row = this.db.prepare('SELECT * FROM queue_messages WHERE seq = ?').get(seq) as QueueRow;
      return { ...toMessage(row), lockToken };
    }
  }

  complete(lockToken: string): void {
    this.settle(lockToken, (seq) => this.db.prepare('DELETE FROM queue_messages WHERE seq = ?').run(seq));
  }

  /** Gives the message back; it counts as a failed delivery and is dead-lettered after too many. */
  abandon(lockToken: string): void {
    this.settle(lockToken, (seq, row) => {
      const count = row.delivery_count + 1;
      const dead = count >= this.maxDeliveryCount;
      this.db
        .prepare(
          `UPDATE queue_messages SET delivery_count = ?, lock_token = NULL, locked_until = 0,
           dead_letter_reason = ?, dead_letter_description = ? WHERE seq = ?`,
        )
        .run(
          count,
          dead ? 'MaxDeliveryCountExceeded' : null,
          dead ? `not consumed after ${count} delivery attempts` : null,
          seq,
        );
    });
  }

  deadLetter(lockToken: string, reason: string, description?: string): void {
    this.settle(lockToken, (seq) =>
      this.db
        .prepare(
          'UPDATE queue_messages SET lock_token = NULL, dead_letter_reason = ?, dead_letter_description = ? WHERE seq = ?',
        )
        .run(reason, description ?? null, seq),
    );
  }

  deadLettered(queue: string): DeadLetteredMessage[] {
    this.assertOpen();
    const rows = this.db
      .prepare('SELECT * FROM queue_messages WHERE queue = ? AND dead_letter_reason IS NOT NULL ORDER BY seq')
      .all(queue) as QueueRow[];
    return rows.map((row) => ({
      ...toMessage(row),
      reason: row.dead_letter_reason!,
      ...(row.dead_letter_description ? { description: row.dead_letter_description } : {}),
    }));
  }

  /** Resolves when a message may be available in `queue` (a send in this process) or after `timeoutMs`. */
  waitForMessage(queue: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(`queue:${queue}`, done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emitter.once(`queue:${queue}`, done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emitter.removeAllListeners();
    this.db.close();
  }

  private get maxDeliveryCount(): number {
    return this.options.maxDeliveryCount ?? 10;
  }

  private get lockDurationMs(): number {
    return this.options.lockDurationMs ?? 60_000;
  }

  private settle(lockToken: string, apply: (seq: number, row: QueueRow) => void): void {
    this.assertOpen();
    const run = this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT * FROM queue_messages WHERE lock_token = ? AND locked_until > ?')
        .get(lockToken, Date.now()) as QueueRow | undefined;
      if (!row)
        throw new Error(`lock ${lockToken} is unknown or has expired; the message may be delivered again`);
      apply(row.seq, row);
    });
    run.immediate();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the embedded event bus is closed');
  }
}

interface QueueRow {
  seq: number;
  queue: string;
  message_id: string;
  body: string;
  properties: string;
  enqueued_at: string;
  delivery_count: number;
  lock_token: string | null;
  locked_until: number;
  dead_letter_reason: string | null;
  dead_letter_description: string | null;
}

function toMessage(row: QueueRow): Omit<QueueMessage, 'lockToken'> {
  return {
    messageId: row.message_id,
    body: JSON.parse(row.body) as unknown,
    applicationProperties: JSON.parse(row.properties) as Record<string, string | number | boolean>,
    deliveryCount: row.delivery_count,
    enqueuedAt: row.enqueued_at,
  };
}
