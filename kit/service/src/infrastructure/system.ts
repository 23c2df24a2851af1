import { randomUUID } from 'node:crypto';
import type { Clock, DomainEventRecord, EventPublisher, IdGenerator, UnitOfWork } from '../application/ports';

export const systemClock: Clock = { now: () => new Date() };

export const randomIds: IdGenerator = { next: () => randomUUID() };

/** The in-memory test double's unit of work: one process, nothing to commit. */
export const immediateUnitOfWork: UnitOfWork = { run: (work) => work() };

/** Keeps published domain events in memory (the outbox a message broker adapter would drain). */
export class InMemoryEventPublisher implements EventPublisher {
  readonly published: DomainEventRecord[] = [];

  async publish(event: DomainEventRecord): Promise<void> {
    this.published.push(event);
  }
}
