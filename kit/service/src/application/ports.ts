/** What the application needs from the outside world; infrastructure implements these. */
export interface Repository<T extends { id: string }> {
  list(offset: number, limit: number): Promise<{ items: T[]; total: number }>;
  get(id: string): Promise<T | undefined>;
  /** The first entity whose field equals the value (for unique attributes). */
  findBy(field: string, value: unknown): Promise<T | undefined>;
  /** Every entity whose field equals the value (the records a business rule counts or compares). */
  findAll(field: string, value: unknown): Promise<T[]>;
  save(entity: T): Promise<void>;
  delete(id: string): Promise<boolean>;
}

/**
 * Runs one request's work as a unit: its reads, writes and domain events commit together or not at all, and a
 * rule checked inside it still holds when the unit commits.
 */
export interface UnitOfWork {
  run<T>(work: () => Promise<T>): Promise<T>;
}

/** Who calls: the subject of the caller's token and the roles it grants; every write use case is given one. */
export interface Actor {
  subject: string;
  roles: readonly string[];
}

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  next(): string;
}

export interface DomainEventRecord {
  name: string;
  entityId: string;
  occurredAt: string;
  payload: Record<string, unknown>;
}

export interface EventPublisher {
  publish(event: DomainEventRecord): Promise<void>;
}
