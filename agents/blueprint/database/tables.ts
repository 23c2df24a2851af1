import { createHash } from 'node:crypto';
import type { Attribute, BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
// One mapping from attribute types to PostgreSQL types, shared with the solution architecture it implements.
import { sqlType } from '../architecture/solution';
import { commentText } from '../../../toolchain/escaping/commentText';
import { sqlIdentifier, sqlString } from '../../../toolchain/escaping/sql';
import { snake, tableName } from '../../../toolchain/architecture/model';

/*
 * The tables a bounded context's entities map to, and the SQL that creates them and their parts: shared by the
 * first migrations of a service and by the migration that moves its database from one version of the model to the
 * next.
 */

export const quote = sqlString;
export const id = sqlIdentifier;

/** A column of an entity's table, as the model defines it. */
export interface Column {
  name: string;
  attribute?: Attribute;
  sqlType: string;
  notNull: boolean;
  unique: boolean;
  checks: string[];
  default?: string;
  references?: { table?: string; entity: string; context: string; sameContext: boolean };
  comment: string;
}

export function findEntity(
  model: DomainModel,
  name: string,
): { entity: Entity; context: BoundedContext } | undefined {
  for (const context of model.contexts) {
    const entity = context.entities.find((e) => e.name === name);
    if (entity) return { entity, context };
  }
  return undefined;
}

/** Foreign key columns of an entity: its belongsTo relations and the hasMany relations that point at it. */
function foreignKeys(
  model: DomainModel,
  context: BoundedContext,
  entity: Entity,
): Array<{ via: string; target: string }> {
  const keys = entity.relations
    .filter((r) => r.kind === 'belongsTo')
    .map((r) => ({ via: r.via, target: r.target }));
  for (const other of context.entities) {
    for (const relation of other.relations) {
      if (
        relation.kind === 'hasMany' &&
        relation.target === entity.name &&
        !keys.some((k) => k.via === relation.via)
      )
        keys.push({ via: relation.via, target: other.name });
    }
  }
  return keys.filter((key) => findEntity(model, key.target));
}

/** The columns of an entity's table: id, attributes, foreign keys, lifecycle status and the audit columns. */
export function columns(model: DomainModel, context: BoundedContext, entity: Entity): Column[] {
  const keys = foreignKeys(model, context, entity);
  const result: Column[] = [
    {
      name: 'id',
      sqlType: 'uuid',
      notNull: true,
      unique: false,
      checks: [],
      default: 'gen_random_uuid()',
      comment: 'Server-assigned identifier',
    },
  ];
  const keyColumn = (via: string, target: string, attribute?: Attribute): Column => {
    const found = findEntity(model, target)!;
    const same = found.context.slug === context.slug;
    return {
      name: snake(via),
      attribute,
      sqlType: 'uuid',
      notNull: attribute ? attribute.required : true,
      unique: false,
      checks: [],
      references: {
        table: same ? tableName(found.entity) : undefined,
        entity: target,
        context: found.context.name,
        sameContext: same,
      },
      comment: same
        ? `${attribute?.description ?? `The ${target}`} (references ${tableName(found.entity)})`
        : `${attribute?.description ?? `The ${target}`}: id of a ${target} in the ${found.context.name} service; no foreign key, that row lives in another database`,
    };
  };
  for (const attribute of entity.attributes) {
    const key = keys.find((k) => k.via === attribute.name);
    if (key) {
      result.push(keyColumn(attribute.name, key.target, attribute));
      continue;
    }
    const name = snake(attribute.name);
    const checks: string[] = [];
    if (attribute.type === 'enum' && attribute.enumValues?.length)
      checks.push(`${id(name)} IN (${attribute.enumValues.map(quote).join(', ')})`);
    if (attribute.type === 'email') checks.push(`${id(name)} ~* '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$'`);
    if (['integer', 'number', 'money'].includes(attribute.type)) {
      if (attribute.minimum !== undefined) checks.push(`${id(name)} >= ${attribute.minimum}`);
      if (attribute.maximum !== undefined) checks.push(`${id(name)} <= ${attribute.maximum}`);
    }
    if (attribute.type === 'text' && attribute.maxLength)
      checks.push(`char_length(${id(name)}) <= ${attribute.maxLength}`);
    result.push({
      name,
      attribute,
      sqlType: sqlType(attribute),
      notNull: attribute.required,
      unique: Boolean(attribute.unique),
      checks,
      comment: attribute.description,
    });
  }
  for (const key of keys)
    if (!entity.attributes.some((a) => a.name === key.via)) result.push(keyColumn(key.via, key.target));
  if (entity.states?.length) {
    result.push({
      name: 'status',
      sqlType: 'text',
      notNull: true,
      unique: false,
      checks: [`status IN (${entity.states.map(quote).join(', ')})`],
      default: quote(entity.states[0]),
      comment: `Lifecycle state: ${entity.states.join(' → ')}`,
    });
  }
  result.push(
    {
      name: 'created_by',
      sqlType: 'text',
      notNull: true,
      unique: false,
      checks: [],
      comment: "Who created the row: the subject of the creator's token",
    },
    {
      name: 'created_at',
      sqlType: 'timestamptz',
      notNull: true,
      unique: false,
      checks: [],
      default: 'now()',
      comment: 'When the row was created',
    },
    {
      name: 'updated_at',
      sqlType: 'timestamptz',
      notNull: true,
      unique: false,
      checks: [],
      default: 'now()',
      comment: 'When the row last changed',
    },
  );
  return result;
}

/** Tables in an order where every referenced table comes first; references inside a cycle are deferred. */
export function creationOrder(
  model: DomainModel,
  context: BoundedContext,
): { order: Entity[]; deferred: Set<string> } {
  const order: Entity[] = [];
  const deferred = new Set<string>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (entity: Entity) => {
    if (state.get(entity.name) === 'done') return;
    state.set(entity.name, 'visiting');
    for (const key of foreignKeys(model, context, entity)) {
      const target = context.entities.find((e) => e.name === key.target);
      if (!target || target.name === entity.name) continue;
      if (state.get(target.name) === 'visiting') deferred.add(`${entity.name}.${key.via}`);
      else visit(target);
    }
    state.set(entity.name, 'done');
    order.push(entity);
  };
  context.entities.forEach(visit);
  return { order, deferred };
}

export function constraintName(table: string, suffix: string): string {
  // PostgreSQL truncates identifiers at 63 bytes; a hash keeps long names unique and stable.
  const name = `${table}_${suffix}`;
  return name.length <= 63
    ? name
    : `${name.slice(0, 54)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

/** The column as it appears in CREATE TABLE (and, with `ADD COLUMN`, in ALTER TABLE). */
export function columnDefinition(col: Column): string {
  let line = `${id(col.name)} ${col.sqlType}`;
  if (col.name === 'id') line += ' PRIMARY KEY';
  if (col.notNull && col.name !== 'id') line += ' NOT NULL';
  if (col.default) line += ` DEFAULT ${col.default}`;
  if (col.unique) line += ' UNIQUE';
  return line;
}

/** The column's CHECK constraints, named after the table, the column and their position. */
export function checkConstraints(table: string, col: Column): string[] {
  return col.checks.map(
    (check, i) =>
      `CONSTRAINT ${constraintName(table, `${col.name}_check${i ? i + 1 : ''}`)} CHECK (${check})`,
  );
}

/** The foreign key of a column that references a table of the same database. */
export function foreignKeyConstraint(table: string, col: Column): string {
  return `CONSTRAINT ${constraintName(table, `${col.name}_fkey`)} FOREIGN KEY (${id(col.name)}) REFERENCES ${id(col.references!.table!)} (id) ON DELETE RESTRICT`;
}

/** Indexes a column gets: every reference, and the lifecycle status. */
export function columnIndexes(table: string, col: Column): string[] {
  return col.references || col.name === 'status'
    ? [`CREATE INDEX ${constraintName(table, `${col.name}_idx`)} ON ${id(table)} (${id(col.name)});`]
    : [];
}

export const columnComment = (table: string, col: Column) =>
  `COMMENT ON COLUMN ${id(table)}.${id(col.name)} IS ${quote(col.comment)};`;

export interface CreatedTable {
  sql: string;
  /** `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY` statements to run once every table exists. */
  laterKeys: string[];
  crossContextReferences: Array<{ table: string; column: string; target: string; context: string }>;
}

/**
 * CREATE TABLE for an entity with its constraints, indexes and comments. A foreign key for which `defer(via)` is
 * true (via: the relation's attribute) is left to `laterKeys`.
 */
export function createTable(
  model: DomainModel,
  context: BoundedContext,
  entity: Entity,
  defer: (via: string) => boolean,
): CreatedTable {
  const table = tableName(entity);
  const cols = columns(model, context, entity);
  const lines = cols.map(columnDefinition);
  for (const col of cols) lines.push(...checkConstraints(table, col));
  const indexes: string[] = [];
  const laterKeys: string[] = [];
  const crossContextReferences: CreatedTable['crossContextReferences'] = [];
  for (const col of cols) {
    indexes.push(...columnIndexes(table, col));
    if (!col.references) continue;
    if (!col.references.sameContext) {
      crossContextReferences.push({
        table,
        column: col.name,
        target: col.references.entity,
        context: col.references.context,
      });
      continue;
    }
    const fk = foreignKeyConstraint(table, col);
    if (defer(col.attribute?.name ?? col.name)) laterKeys.push(`ALTER TABLE ${id(table)} ADD ${fk};`);
    else lines.push(fk);
  }
  const comments = [
    `COMMENT ON TABLE ${id(table)} IS ${quote(entity.description)};`,
    ...cols.map((col) => columnComment(table, col)),
  ];
  const invariants = entity.invariants.length
    ? `-- Business rules kept by the service (not expressible as constraints here):\n${entity.invariants.map((rule) => `--   ${commentText(rule)}`).join('\n')}\n`
    : '';
  return {
    sql: `-- ${entity.name}: ${commentText(entity.description)}\n${invariants}CREATE TABLE ${id(table)} (\n${lines.map((line) => `  ${line}`).join(',\n')}\n);\n\n${indexes.join('\n')}${indexes.length ? '\n\n' : ''}${comments.join('\n')}\n`,
    laterKeys,
    crossContextReferences,
  };
}
