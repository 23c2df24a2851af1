import type { DomainEventRecord, EventPublisher } from '../application/ports';
import { sqlName, type PostgresDatabase } from './postgresDatabase';
import type { EventChannel } from './serviceBusEvents';

/** The outbox table every service's migrations create. */
export const outboxTable = 'outbox';

/**
 * The transactional outbox: `publish` writes the event into the same transaction as the change that raised it,
 * so an event exists exactly when its change committed. The relay then hands committed events to the sink in
 * order and marks them sent; an event whose delivery fails stays and is tried again (at least once delivery).
 */
export class PostgresOutbox implements EventPublisher {
  private timer?: NodeJS.Timeout;
  private running = false;
  private relaying?: Promise<number>;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly channel: EventChannel,
  ) {}

  async publish(event: DomainEventRecord): Promise<void> {
    await this.db.query(
      'INSERT INTO ' +
        sqlName(outboxTable) +
        ' (name, entity_id, occurred_at, payload) VALUES ($1, $2, $3, $4)',
      [event.name, event.entityId, event.occurredAt, JSON.stringify(event.payload)],
    );
  }

  /** Sends up to `batch` waiting events; returns how many were sent. */
  relay(batch = 50): Promise<number> {
    // One relay at a time in this process; other instances skip the rows this one holds.
    this.relaying ??= this.db
      .run(async () => {
        const rows = await this.db.query<{
          seq: number;
          name: string;
          entity_id: string;
          occurred_at: string;
          payload: Record<string, unknown>;
        }>(
          'SELECT seq, name, entity_id, occurred_at, payload FROM ' +
            sqlName(outboxTable) +
            ' WHERE sent_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED',
          [batch],
        );
        const sent: number[] = [];
        for (const row of rows) {
          await this.channel.send(
            {
              name: row.name,
              entityId: row.entity_id,
              occurredAt: row.occurred_at,
              payload: row.payload,
            },
            row.seq,
          );
          sent.push(row.seq);
        }
        if (sent.length > 0)
          await this.db.query('UPDATE ' + sqlName(outboxTable) + ' SET sent_at = now() WHERE seq = ANY($1)', [
            sent,
          ]);
        return sent.length;
      })
      .finally(() => (this.relaying = undefined));
    return this.relaying;
  }

  /** Relays every `intervalMs` until stopped; a failed round is tried again on the next tick. */
  start(intervalMs = 1000): void {
    this.running = true;
    const schedule = (delayMs: number) => {
      if (!this.running) return;
      this.timer = setTimeout(tick, delayMs);
      this.timer.unref();
    };
    const tick = () => {
      this.relay().then(
        () => schedule(intervalMs),
        () => schedule(intervalMs),
      );
    };
    schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.relaying?.catch(() => undefined);
  }
}
