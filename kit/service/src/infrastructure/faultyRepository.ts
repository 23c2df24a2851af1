import type { Repository } from '../application/ports';

/** The store behind a repository is not reachable; the API answers 503. */
export class RepositoryUnavailableError extends Error {
  constructor(operation: string) {
    super('repository unavailable during ' + operation);
    this.name = 'RepositoryUnavailableError';
  }
}

/** Fault injection for resilience tests: every call waits `delayMs` first. */
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
