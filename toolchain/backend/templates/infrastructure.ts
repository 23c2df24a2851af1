export const inMemoryRepositorySource = `import type { Repository } from '../application/ports';

/** Keeps entities in a Map, in insertion order; copies on the way in and out so callers cannot alias state. */
export class InMemoryRepository<T extends { id: string }> implements Repository<T> {
  private readonly items = new Map<string, T>();

  async list(offset: number, limit: number): Promise<{ items: T[]; total: number }> {
    const all = [...this.items.values()];
    return { items: all.slice(offset, offset + limit).map((item) => ({ ...item })), total: all.length };
  }

  async get(id: string): Promise<T | undefined> {
    const found = this.items.get(id);
    return found ? { ...found } : undefined;
  }

  async findBy(field: string, value: unknown): Promise<T | undefined> {
    for (const item of this.items.values()) {
      if ((item as Record<string, unknown>)[field] === value) return { ...item };
    }
    return undefined;
  }

  async findAll(field: string, value: unknown): Promise<T[]> {
    return [...this.items.values()]
      .filter((item) => (item as Record<string, unknown>)[field] === value)
      .map((item) => ({ ...item }));
  }

  async save(entity: T): Promise<void> {
    this.items.set(entity.id, { ...entity });
  }

  async delete(id: string): Promise<boolean> {
    return this.items.delete(id);
  }
}
`;

export const faultyRepositorySource = `import type { Repository } from '../application/ports';

/** The store behind a repository is not reachable; the API answers 503. */
export class RepositoryUnavailableError extends Error {
  constructor(operation: string) {
    super('repository unavailable during ' + operation);
    this.name = 'RepositoryUnavailableError';
  }
}

/** Fault injection for resilience tests: every call waits \`delayMs\` first. */
export class SlowRepository<T extends { id: string }> implements Repository<T> {
  constructor(
    private readonly inner: Repository<T>,
    private readonly delayMs: number,
  ) {}

  private wait(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.delayMs));
  }

  async list(offset: number, limit: number): Promise<{ items: T[]; total: number }> {
    await this.wait();
    return this.inner.list(offset, limit);
  }

  async get(id: string): Promise<T | undefined> {
    await this.wait();
    return this.inner.get(id);
  }

  async findBy(field: string, value: unknown): Promise<T | undefined> {
    await this.wait();
    return this.inner.findBy(field, value);
  }

  async findAll(field: string, value: unknown): Promise<T[]> {
    await this.wait();
    return this.inner.findAll(field, value);
  }

  async save(entity: T): Promise<void> {
    await this.wait();
    return this.inner.save(entity);
  }

  async delete(id: string): Promise<boolean> {
    await this.wait();
    return this.inner.delete(id);
  }
}

/** Fault injection for resilience tests: every call fails as if the store were down. */
export class FailingRepository<T extends { id: string }> implements Repository<T> {
  async list(): Promise<{ items: T[]; total: number }> {
    throw new RepositoryUnavailableError('list');
  }

  async get(): Promise<T | undefined> {
    throw new RepositoryUnavailableError('get');
  }

  async findBy(): Promise<T | undefined> {
    throw new RepositoryUnavailableError('findBy');
  }

  async findAll(): Promise<T[]> {
    throw new RepositoryUnavailableError('findAll');
  }

  async save(): Promise<void> {
    throw new RepositoryUnavailableError('save');
  }

  async delete(): Promise<boolean> {
    throw new RepositoryUnavailableError('delete');
  }
}
`;

export const systemSource = `import { randomUUID } from 'node:crypto';
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
`;
