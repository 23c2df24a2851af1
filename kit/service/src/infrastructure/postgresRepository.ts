import type { Repository } from '../application/ports';
import { sqlName, type PostgresDatabase, type TableMapping } from './postgresDatabase';

/**
 * Keeps one entity in its table (written by the service's migrations): a column per field, rows listed in the
 * order they were created. Inside a unit of work every call uses the unit's transaction.
 */
export class PostgresRepository<T extends { id: string }> implements Repository<T> {
  private readonly table: string;
  private readonly fields: string[];
  private readonly select: string;

  constructor(
    private readonly db: PostgresDatabase,
    private readonly mapping: TableMapping,
  ) {
    this.table = sqlName(mapping.table);
    this.fields = Object.keys(mapping.columns);
    this.select = this.fields.map((f) => sqlName(mapping.columns[f]) + ' AS ' + sqlName(f)).join(', ');
  }

  private column(field: string): string {
    const column = this.mapping.columns[field];
    if (column === undefined) throw new Error(this.mapping.table + ' has no column for ' + field);
    return sqlName(column);
  }

  /** A row as the entity: columns that are NULL are left out, as the in-memory entity leaves them undefined. */
  private entity(row: Record<string, unknown>): T {
    const entity: Record<string, unknown> = {};
    for (const field of this.fields) if (row[field] !== null) entity[field] = row[field];
    return entity as T;
  }

  async list(offset: number, limit: number): Promise<{ items: T[]; total: number }> {
    const order = ['createdAt', 'id'].filter((f) => f in this.mapping.columns).map((f) => this.column(f));
    const rows = await this.db.query(
      'SELECT ' +
        this.select +
        ' FROM ' +
        this.table +
        ' ORDER BY ' +
        order.join(', ') +
        ' LIMIT $1 OFFSET $2',
      [limit, offset],
    );
    const [count] = await this.db.query<{ total: number }>('SELECT count(*) AS total FROM ' + this.table);
    return { items: rows.map((row) => this.entity(row)), total: Number(count.total) };
  }

  async get(id: string): Promise<T | undefined> {
    const [row] = await this.db.query(
      'SELECT ' + this.select + ' FROM ' + this.table + ' WHERE ' + this.column('id') + ' = $1',
      [id],
    );
    return row ? this.entity(row) : undefined;
  }

  async findBy(field: string, value: unknown): Promise<T | undefined> {
    const [row] = await this.db.query(
      'SELECT ' + this.select + ' FROM ' + this.table + ' WHERE ' + this.column(field) + ' = $1 LIMIT 1',
      [value],
    );
    return row ? this.entity(row) : undefined;
  }

  async findAll(field: string, value: unknown): Promise<T[]> {
    const rows = await this.db.query(
      'SELECT ' + this.select + ' FROM ' + this.table + ' WHERE ' + this.column(field) + ' = $1',
      [value],
    );
    return rows.map((row) => this.entity(row));
  }

  /**
   * Inserts, or replaces every mapped column of the row with the same id. A field without a value takes the
   * column's default (NULL where it has none): a column a later version made required with a value for the rows
   * written before keeps that value as its default, so this version still writes after a rollback.
   */
  async save(entity: T): Promise<void> {
    const record = entity as Record<string, unknown>;
    const columns = this.fields.map((f) => this.column(f));
    const values: unknown[] = [];
    const placeholders = this.fields.map((f) => {
      if (record[f] === undefined || record[f] === null) return 'DEFAULT';
      values.push(record[f]);
      return '$' + values.length;
    });
    const updates = columns.filter((c) => c !== this.column('id')).map((c) => c + ' = EXCLUDED.' + c);
    await this.db.query(
      'INSERT INTO ' +
        this.table +
        ' (' +
        columns.join(', ') +
        ') VALUES (' +
        placeholders.join(', ') +
        ') ON CONFLICT (' +
        this.column('id') +
        ') DO UPDATE SET ' +
        updates.join(', '),
      values,
    );
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.query(
      'DELETE FROM ' + this.table + ' WHERE ' + this.column('id') + ' = $1 RETURNING 1 AS deleted',
      [id],
    );
    return rows.length > 0;
  }
}
