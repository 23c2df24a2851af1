import { createHash } from 'node:crypto';
import type { Attribute, BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import { tableName } from '../../../toolchain/architecture/model';
import { commentText } from '../../../toolchain/escaping/commentText';
import { nextMigration, type NextMigrationOptions } from './nextMigration';
import { columns, createTable, creationOrder, id, quote } from './tables';

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

const pad = (n: number) => String(n).padStart(3, '0');

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
    const created = createTable(
      model,
      context,
      entity,
      (via) => Boolean(options.deferForeignKeys) || deferred.has(`${entity.name}.${via}`),
    );
    laterKeys.push(...created.laterKeys);
    crossContextReferences.push(...created.crossContextReferences);
    files.push({ path: `${pad(index + 1)}_create_${tableName(entity)}.sql`, content: created.sql });
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
    content: readme(context, tables, crossContextReferences, files, options.feedback ?? [], undefined),
  });
  return { context: context.slug, folder: `db/${context.slug}`, files, tables, crossContextReferences };
}

/** A version's migrations folder and what its own migration changes. */
export interface EvolvedMigrations extends MigrationFolder {
  changes: string[];
  /** Why the next migration cannot be written (see `nextMigration`); when there are any, no script is added. */
  refusals: string[];
}

/**
 * The migrations folder of the next version of a service: every script the previous version had, unchanged (the
 * database has applied them), and one more that moves the schema to `model`, named after `label`. A context the
 * previous model did not have gets a new database's scripts.
 */
export function evolveMigrations(
  previous: { model: DomainModel; files: Array<{ path: string; content: string }> },
  model: DomainModel,
  context: BoundedContext,
  options: NextMigrationOptions & { label: string; feedback?: string[] },
): EvolvedMigrations {
  if (!/^[a-z0-9][a-z0-9_]*$/.test(options.label))
    throw new Error(
      `a migration label is lower-case letters, digits and underscores, not "${options.label}"`,
    );
  const fresh = generateMigrations(model, context, { feedback: options.feedback });
  if (!previous.model.contexts.some((c) => c.slug === context.slug))
    return { ...fresh, changes: [`adds the database of ${context.name}`], refusals: [] };
  const kept = previous.files.filter((f) => migrationFile.test(f.path));
  const next = nextMigration(previous.model, model, context, options);
  const number = Math.max(0, ...kept.map((f) => Number(migrationFile.exec(f.path)![1]))) + 1;
  const unchanged = !next.statements.length && !next.refusals.length;
  // A database this version does not change keeps its folder as it was, byte for byte.
  if (unchanged && ['seed.sql', 'README.md'].every((name) => previous.files.some((f) => f.path === name)))
    return { ...fresh, files: previous.files, changes: [], refusals: [] };
  const files = [...kept];
  if (next.statements.length)
    files.push({
      path: `${pad(number)}_${options.label}.sql`,
      content: `-- ${options.label}: the schema moves to the new model; rows written before are kept.\n${next.changes.map((line) => `--   ${commentText(line)}`).join('\n')}\n\n${next.statements.join('\n\n')}\n`,
    });
  const changes = next.statements.length ? { label: options.label, lines: next.changes } : undefined;
  files.push(
    fresh.files.find((f) => f.path === 'seed.sql')!,
    {
      path: 'README.md',
      content: readme(
        context,
        fresh.tables,
        fresh.crossContextReferences,
        files,
        options.feedback ?? [],
        changes,
      ),
    },
  );
  return { ...fresh, files, changes: next.changes, refusals: next.refusals };
}

const migrationFile = /^(\d{3,})_[^/]*\.sql$/;

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
  changes: { label: string; lines: string[] } | undefined,
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
${changes ? `\n## Changes in ${changes.label}\n\n${changes.lines.map((line) => `- ${markdownText(line)}`).join('\n')}\n` : ''}${feedback.length ? `\n## Review findings considered in this revision\n\n${feedback.map((f) => `- ${f}`).join('\n')}\n` : ''}`;
}
