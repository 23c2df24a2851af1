import type { Repository } from '../application/ports';

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
