import { createHash } from 'node:crypto';
import type { Attribute, BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
// One mapping from attribute types to PostgreSQL types, shared with the solution architecture it implements.
import { sqlType } from '../architecture/solution';
import { commentText } from '../../../toolchain/escaping/commentText';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import { sqlIdentifier, sqlString } from '../../../toolchain/escaping/sql';
import { snake, tableName } from '../../../toolchain/architecture/model';

/**
 * PostgreSQL migrations per service (one database per bounded context): a table per entity, columns typed from
 * the attributes, constraints from the model (NOT NULL, UNIQUE, CHECK for ranges, enums and states), foreign
 * keys between tables of the same context, indexes on foreign keys and status, and a seed of valid rows.
 * References to another context are plain uuid columns: that row lives in another service's database.
 */
export interface MigrationFolder {
  context: string;
  /** `db/<context-slug>` */
  folder: string;
  files: Array<{ path: string; content: string }>;
  tables: string[];
  crossContextReferences: Array<{ table: string; column: string; target: string; context: string }>;
}

export interface MigrationOptions {
  /**
   * Put every foreign key in a final migration of its own instead of in the CREATE TABLE statements: the
   * tables then never depend on each other's creation order (chosen after a failed apply).
   */
  deferForeignKeys?: boolean;
  feedback?: string[];
}

const quote = sqlString;
const id = sqlIdentifier;

interface Column {
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

function findEntity(
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

function columns(model: DomainModel, context: BoundedContext, entity: Entity): Column[] {
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
function creationOrder(
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

const pad = (n: number) => String(n).padStart(3, '0');

function constraintName(table: string, suffix: string): string {
  // PostgreSQL truncates identifiers at 63 bytes; a hash keeps long names unique and stable.
  const name = `${table}_${suffix}`;
  return name.length <= 63
    ? name
    : `${name.slice(0, 54)}_${createHash('sha256').update(name).digest('hex').slice(0, 8)}`;
}

export function generateMigrations(
  model: DomainModel,
  context: BoundedContext,
  options: MigrationOptions = {},
): MigrationFolder {
  const { order, deferred } = creationOrder(model, context);
  const files: Array<{ path: string; content: string }> = [];
  const laterKeys: string[] = [];
  const crossContextReferences: MigrationFolder['crossContextReferences'] = [];
  order.forEach((entity, index) => {
    const table = tableName(entity);
    const cols = columns(model, context, entity);
    const lines: string[] = [];
    for (const col of cols) {
      let line = `  ${id(col.name)} ${col.sqlType}`;
      if (col.name === 'id') line += ' PRIMARY KEY';
      if (col.notNull && col.name !== 'id') line += ' NOT NULL';
      if (col.default) line += ` DEFAULT ${col.default}`;
      if (col.unique) line += ' UNIQUE';
      lines.push(line);
    }
    for (const col of cols)
      col.checks.forEach((check, i) =>
        lines.push(
          `  CONSTRAINT ${constraintName(table, `${col.name}_check${i ? i + 1 : ''}`)} CHECK (${check})`,
        ),
      );
    const indexes: string[] = [];
    for (const col of cols) {
      if (!col.references) continue;
      indexes.push(
        `CREATE INDEX ${constraintName(table, `${col.name}_idx`)} ON ${id(table)} (${id(col.name)});`,
      );
      if (!col.references.sameContext) {
        crossContextReferences.push({
          table,
          column: col.name,
          target: col.references.entity,
          context: col.references.context,
        });
        continue;
      }
      const fk = `CONSTRAINT ${constraintName(table, `${col.name}_fkey`)} FOREIGN KEY (${id(col.name)}) REFERENCES ${id(col.references.table!)} (id) ON DELETE RESTRICT`;
      const via = cols.find((c) => c === col)!.attribute?.name ?? col.name;
      if (
        options.deferForeignKeys ||
        deferred.has(`${entity.name}.${via}`) ||
        deferred.has(`${entity.name}.${col.name}`)
      )
        laterKeys.push(`ALTER TABLE ${id(table)} ADD ${fk};`);
      else lines.push(`  ${fk}`);
    }
    if (cols.some((c) => c.name === 'status'))
      indexes.push(`CREATE INDEX ${constraintName(table, 'status_idx')} ON ${id(table)} (status);`);
    const comments = [
      `COMMENT ON TABLE ${id(table)} IS ${quote(entity.description)};`,
      ...cols.map((col) => `COMMENT ON COLUMN ${id(table)}.${id(col.name)} IS ${quote(col.comment)};`),
    ];
    const invariants = entity.invariants.length
      ? `-- Business rules kept by the service (not expressible as constraints here):\n${entity.invariants.map((rule) => `--   ${commentText(rule)}`).join('\n')}\n`
      : '';
    files.push({
      path: `${pad(index + 1)}_create_${table}.sql`,
      content: `-- ${entity.name}: ${commentText(entity.description)}\n${invariants}CREATE TABLE ${id(table)} (\n${lines.join(',\n')}\n);\n\n${indexes.join('\n')}${indexes.length ? '\n\n' : ''}${comments.join('\n')}\n`,
    });
  });
  if (laterKeys.length)
    files.push({
      path: `${pad(order.length + 1)}_add_foreign_keys.sql`,
      content: `-- Foreign keys added once every table exists.\n${laterKeys.join('\n')}\n`,
    });
  files.push({ path: `${pad(files.length + 1)}_create_outbox.sql`, content: outboxSql });
  files.push({ path: 'seed.sql', content: seedSql(model, context, order) });
  const tables = order.map(tableName);
  files.push({
    path: 'README.md',
    content: readme(context, tables, crossContextReferences, files, options.feedback ?? []),
  });
  return { context: context.slug, folder: `db/${context.slug}`, files, tables, crossContextReferences };
}

/**
 * The transactional outbox the service writes its domain events to, in the transaction of the change that raised
 * them; a relay sends them on in `seq` order and marks them sent.
 */
const outboxSql = `-- Domain events waiting to be sent (transactional outbox).
CREATE TABLE outbox (
  seq bigserial PRIMARY KEY,
  name text NOT NULL,
  entity_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  payload jsonb NOT NULL,
  sent_at timestamptz
);

CREATE INDEX outbox_waiting_idx ON outbox (seq) WHERE sent_at IS NULL;

COMMENT ON TABLE outbox IS 'Domain events written with the change that raised them, sent on by the relay';
`;

/** A stable uuid (version 4 layout) for seed row `index` of an entity, the same in every service that refers to it. */
export function seedId(entityName: string, index: number): string {
  const hex = createHash('sha256').update(`${entityName}:${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${(8 + (parseInt(hex[16], 16) % 4)).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

const people = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Katherine Johnson'];
const words = ['Oak', 'Maple', 'Birch', 'Cedar'];

function seedValue(entity: Entity, attribute: Attribute, row: number): string {
  const name = attribute.name.toLowerCase();
  const clampNumber = (value: number) =>
    Math.min(attribute.maximum ?? value, Math.max(attribute.minimum ?? value, value));
  switch (attribute.type) {
    case 'email':
      return quote(`${people[row % people.length].toLowerCase().replace(/\s+/g, '.')}${row}@example.org`);
    case 'enum':
      return quote(attribute.enumValues?.[row % (attribute.enumValues.length || 1)] ?? 'unknown');
    case 'integer':
      return String(Math.round(clampNumber(row + 2)));
    case 'number':
      return String(clampNumber(Number(((attribute.maximum ?? 10) * (row + 1)) / 4)));
    case 'money':
      return clampNumber(Math.round((12.5 + row * 17.25) * 100) / 100).toFixed(2);
    case 'boolean':
      return row % 2 === 0 ? 'true' : 'false';
    case 'date':
      return quote(`2026-0${(row % 9) + 1}-1${row % 10}`);
    case 'datetime':
      return quote(`2026-0${(row % 9) + 1}-1${row % 10}T09:30:00Z`);
    case 'string':
    case 'text': {
      let text: string;
      if (
        /name$/.test(name) &&
        /(full|first|last|person|contact|^name)/.test(name) &&
        !/botanical|common/.test(name)
      )
        text = people[row % people.length];
      else if (/phone/.test(name)) text = `+44 20 7946 01${row}${row}`;
      else if (/code|sku|reference/.test(name))
        text = `${entity.name.slice(0, 3).toUpperCase()}-${1000 + row}`;
      else
        text = `${words[row % words.length]} ${entity.name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${attribute.name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${row + 1}`;
      return quote(attribute.maxLength ? text.slice(0, attribute.maxLength) : text);
    }
  }
}

const seedRows = 3;

function seedSql(model: DomainModel, context: BoundedContext, order: Entity[]): string {
  const statements = order.map((entity) => {
    const cols = columns(model, context, entity);
    const insertable = cols.filter((col) => !['created_at', 'updated_at'].includes(col.name));
    const rows = Array.from({ length: seedRows }, (_, row) =>
      insertable.map((col) => {
        if (col.name === 'id') return quote(seedId(entity.name, row));
        if (col.references) return quote(seedId(col.references.entity, row));
        if (col.name === 'status') return quote(entity.states![row % entity.states!.length]);
        if (col.name === 'created_by') return quote('seed');
        return seedValue(entity, col.attribute!, row);
      }),
    );
    return `INSERT INTO ${id(tableName(entity))} (${insertable.map((c) => id(c.name)).join(', ')}) VALUES\n${rows.map((values) => `  (${values.join(', ')})`).join(',\n')};`;
  });
  return `-- Sample rows for development and demos; ids are stable so other services' seeds can refer to them.\n${statements.join('\n\n')}\n`;
}

function readme(
  context: BoundedContext,
  tables: string[],
  cross: MigrationFolder['crossContextReferences'],
  files: Array<{ path: string }>,
  feedback: string[],
): string {
  return `# ${context.name} database

PostgreSQL schema of the ${context.name} service (${markdownText(context.description)}). Apply the numbered scripts in order, then \`seed.sql\` for sample data.

Tables: ${tables.map((t) => `\`${t}\``).join(', ')}.

Migrations:
${files
  .filter((f) => /^\d{3}_/.test(f.path))
  .map((f) => `- \`${f.path}\``)
  .join('\n')}

## References to other services

${
  cross.length
    ? `Each service owns its database, so these columns hold ids of rows in another service and have no foreign key; the service checks them through the other service's API or events.\n\n${cross.map((c) => `- \`${c.table}.${c.column}\` → ${c.target} (${c.context})`).join('\n')}`
    : 'None.'
}
${feedback.length ? `\n## Review findings considered in this revision\n\n${feedback.map((f) => `- ${f}`).join('\n')}\n` : ''}`;
}
