import { randomUUID } from 'node:crypto';
import type { Clock, DomainEventRecord, EventPublisher, IdGenerator } from '../application/ports';

export const systemClock: Clock = { now: () => new Date() };

export const randomIds: IdGenerator = { next: () => randomUUID() };

/** Keeps published domain events in memory (the outbox a message broker adapter would drain). */
export class InMemoryEventPublisher implements EventPublisher {
  readonly published: DomainEventRecord[] = [];

  async publish(event: DomainEventRecord): Promise<void> {
    this.published.push(event);
  }
}
