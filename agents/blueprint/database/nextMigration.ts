import type { Attribute, BoundedContext, DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import { tableName } from '../../../toolchain/architecture/model';
import {
  checkConstraints,
  type Column,
  columnComment,
  columnDefinition,
  columnIndexes,
  columns,
  constraintName,
  createTable,
  creationOrder,
  foreignKeyConstraint,
  id,
  quote,
} from './tables';

/*
 * The migration that moves a service's database from one version of the domain model to the next, keeping the
 * rows written under the old one. What would lose data (a dropped table or column, a narrowed rule that rows
 * written before may break, a conversion that may not hold) or cannot be done without a value for rows written
 * before (a new required column) is refused with the reason, unless the change allows it or gives the value.
 */

export interface NextMigrationOptions {
  /** The change says data may be lost: drops, narrowed rules and unsafe conversions go ahead. */
  allowDataLoss?: boolean;
  /**
   * Values for the rows written before, per `Entity.attribute`, as a person types them (`false`, `12.50`,
   * `2026-01-31`, an enum value): what a new required attribute, or one that becomes required, holds for them.
   */
  backfill?: Record<string, string>;
}

export interface NextMigration {
  /** The statements, in the order they run; empty when the database does not change. */
  statements: string[];
  /** What changes, a line each, for the migration's header, the README and the pull request. */
  changes: string[];
  /** Why the migration cannot be written as the model asks; when there are any, `statements` is empty. */
  refusals: string[];
}

const renameHint =
  'a renamed entity or attribute shows as one dropped and one added: the data is not carried across a rename';

/** Type changes every value survives. */
function widens(from: string, to: string): boolean {
  const varchar = (type: string) => /^varchar\((\d+)\)$/.exec(type);
  const [a, b] = [varchar(from), varchar(to)];
  if (a && (to === 'text' || (b && Number(b[1]) >= Number(a[1])))) return true;
  return (
    (from === 'integer' && (to === 'double precision' || to === 'numeric(12,2)')) ||
    (from === 'date' && to === 'timestamptz')
  );
}

/** Whether the next version's checks on a column may refuse values the previous ones accepted. */
function narrows(before: Column, after: Column): string | undefined {
  const [was, now] = [before.attribute, after.attribute];
  if (before.name === 'status') {
    const gone = statesOf(before).filter((state) => !statesOf(after).includes(state));
    return gone.length ? `drops the states ${gone.join(', ')}` : undefined;
  }
  if (!was || !now) return undefined;
  if (now.type === 'enum') {
    const gone = (was.enumValues ?? []).filter((value) => !(now.enumValues ?? []).includes(value));
    if (was.type !== 'enum') return `limits it to the values ${(now.enumValues ?? []).join(', ')}`;
    if (gone.length) return `drops the values ${gone.join(', ')}`;
  }
  if (now.minimum !== undefined && (was.minimum === undefined || now.minimum > was.minimum))
    return `raises its minimum to ${now.minimum}`;
  if (now.maximum !== undefined && (was.maximum === undefined || now.maximum < was.maximum))
    return `lowers its maximum to ${now.maximum}`;
  if (now.maxLength !== undefined && (was.maxLength === undefined || now.maxLength < was.maxLength))
    return `shortens it to ${now.maxLength} characters`;
  if (now.type === 'email' && was.type !== 'email') return 'requires an email address';
  return undefined;
}

/** What a change of checks that refuses nothing accepted before lets in, when it is new values or states. */
function widened(before: Column, after: Column): string | undefined {
  const added =
    before.name === 'status'
      ? statesOf(after).filter((state) => !statesOf(before).includes(state))
      : (after.attribute?.enumValues ?? []).filter(
          (value) => !(before.attribute?.enumValues ?? []).includes(value),
        );
  if (!added.length) return undefined;
  return `${before.name === 'status' ? 'adds the states' : 'admits the values'} ${added.join(', ')} to`;
}

const statesOf = (col: Column) => [...(col.checks[0]?.matchAll(/'([^']*)'/g) ?? [])].map((m) => m[1]);

/** The SQL literal for a value a person typed for rows written before, or why it is not one. */
function backfillLiteral(attribute: Attribute | undefined, col: Column, value: string): string | Error {
  const fail = (what: string) => new Error(`"${value}" is not ${what}`);
  if (col.references)
    return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)
      ? quote(value.toLowerCase())
      : fail(`the id of a ${col.references.entity}`);
  switch (attribute?.type) {
    case 'integer':
      return /^-?\d+$/.test(value) ? value : fail('a whole number');
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(value) ? value : fail('a number');
    case 'money':
      return /^-?\d+(\.\d{1,2})?$/.test(value) ? value : fail('an amount of money');
    case 'boolean':
      return value === 'true' || value === 'false' ? value : fail('true or false');
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(value) ? quote(value) : fail('a date (YYYY-MM-DD)');
    case 'datetime':
      return Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value)
        ? fail('a date and time (ISO 8601)')
        : quote(value);
    case 'enum':
      return attribute.enumValues?.includes(value)
        ? quote(value)
        : fail(`one of ${(attribute.enumValues ?? []).join(', ')}`);
    case 'email':
      return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value) ? quote(value) : fail('an email address');
    default:
      return quote(value);
  }
}

/** Drops a column's single-column UNIQUE constraint, whatever name PostgreSQL gave it when the table was created. */
function dropUnique(table: string, column: string): string {
  return `DO $$
DECLARE found text;
BEGIN
  SELECT c.conname INTO found FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    WHERE c.conrelid = ${quote(id(table))}::regclass AND c.contype = 'u' AND cardinality(c.conkey) = 1
      AND a.attname = ${quote(column)};
  IF found IS NOT NULL THEN
    EXECUTE format('ALTER TABLE %I DROP CONSTRAINT %I', ${quote(table)}, found);
  END IF;
END $$;`;
}

const checkNames = (table: string, col: Column) =>
  col.checks.map((_, i) => constraintName(table, `${col.name}_check${i ? i + 1 : ''}`));

interface TableOf {
  entity: Entity;
  columns: Column[];
}

function tablesOf(model: DomainModel, context: BoundedContext): Map<string, TableOf> {
  return new Map(
    context.entities.map((entity) => [
      tableName(entity),
      { entity, columns: columns(model, context, entity) },
    ]),
  );
}

/**
 * A context of `previous` that the next model no longer has: its service goes, and with it every row of its
 * database, which only a change that allows losing data may do. The database itself is left as it was (no
 * migration runs on a database no service uses), not dropped.
 */
export function removedDatabase(
  context: BoundedContext,
  options: NextMigrationOptions = {},
): { changes: string[]; refusals: string[] } {
  const what = `removes the service ${context.slug} and, with it, the rows of its tables (${context.entities.map(tableName).join(', ')})`;
  return options.allowDataLoss
    ? {
        changes: [`${what} (the change allows losing data; the database is kept as it was, no longer used)`],
        refusals: [],
      }
    : {
        changes: [],
        refusals: [`${what}; the change must say that this data may be lost (allowDataLoss: true)`],
      };
}

/**
 * The migration from `previous` to `next` for the database of `context` (a context of `next` that `previous`
 * has too, by slug).
 */
export function nextMigration(
  previous: DomainModel,
  next: DomainModel,
  context: BoundedContext,
  options: NextMigrationOptions = {},
): NextMigration {
  const before = previous.contexts.find((c) => c.slug === context.slug);
  if (!before) throw new Error(`the previous model has no context ${context.slug}: its database is new`);
  const was = tablesOf(previous, before);
  const now = tablesOf(next, context);
  const statements: string[] = [];
  const laterKeys: string[] = [];
  const changes: string[] = [];
  const refusals: string[] = [];
  const losing = (what: string) => {
    if (options.allowDataLoss) changes.push(`${what} (the change allows losing data)`);
    else refusals.push(`${what}; the change must say that this data may be lost (allowDataLoss: true)`);
  };

  // New tables first, so that new columns of kept tables can refer to them.
  const { order, deferred } = creationOrder(next, context);
  for (const entity of order.filter((e) => !was.has(tableName(e)))) {
    const created = createTable(next, context, entity, (via) => deferred.has(`${entity.name}.${via}`));
    statements.push(created.sql.trimEnd());
    laterKeys.push(...created.laterKeys);
    changes.push(`adds the table ${tableName(entity)} (${entity.name})`);
  }

  for (const [table, { entity, columns: after }] of now) {
    const old = was.get(table);
    if (!old) continue;
    const t = id(table);
    if (old.entity.description !== entity.description)
      statements.push(`COMMENT ON TABLE ${t} IS ${quote(entity.description)};`);
    for (const col of after) {
      const prior = old.columns.find((c) => c.name === col.name);
      const where = `${table}.${col.name}`;
      const named = `${entity.name}.${col.attribute?.name ?? col.name}`;
      const given = options.backfill?.[named];
      const literal = given === undefined ? undefined : backfillLiteral(col.attribute, col, given);
      if (literal instanceof Error) {
        refusals.push(`the value given for ${named} for rows written before: ${literal.message}`);
        continue;
      }
      if (!prior) {
        if (col.notNull && !col.default) {
          if (literal === undefined) {
            refusals.push(
              `adds the required column ${where} (${named}): rows written before have no value for it; give one for them (backfill: ${named}: <value>), or make it optional`,
            );
            continue;
          }
          if (col.unique) {
            refusals.push(
              `adds the required unique column ${where} (${named}): one value cannot fill every row written before; make it optional first`,
            );
            continue;
          }
          // The value stays the column's default: a version that does not know the column (the one before, after a
          // rollback) still writes rows, which get it as the rows written before did.
          statements.push(`ALTER TABLE ${t} ADD COLUMN ${columnDefinition({ ...col, default: literal })};`);
          changes.push(`adds the required column ${where}, ${given} in rows written before`);
        } else {
          statements.push(`ALTER TABLE ${t} ADD COLUMN ${columnDefinition(col)};`);
          changes.push(`adds the ${col.notNull ? 'required' : 'optional'} column ${where}`);
        }
        for (const check of checkConstraints(table, col)) statements.push(`ALTER TABLE ${t} ADD ${check};`);
        if (col.references?.sameContext)
          laterKeys.push(`ALTER TABLE ${t} ADD ${foreignKeyConstraint(table, col)};`);
        statements.push(...columnIndexes(table, col), columnComment(table, col));
        continue;
      }
      const c = id(col.name);
      // The old rules go before a type change (PostgreSQL re-reads them under the new type) and come back after it.
      const rulesChange = prior.checks.join('\n') !== col.checks.join('\n') || prior.sqlType !== col.sqlType;
      if (rulesChange)
        for (const name of checkNames(table, prior))
          statements.push(`ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${id(name)};`);
      if (prior.sqlType !== col.sqlType) {
        const convert = `ALTER TABLE ${t} ALTER COLUMN ${c} TYPE ${col.sqlType} USING ${c}::${col.sqlType};`;
        if (widens(prior.sqlType, col.sqlType)) {
          statements.push(convert);
          changes.push(`widens ${where} from ${prior.sqlType} to ${col.sqlType}`);
        } else {
          losing(`converts ${where} from ${prior.sqlType} to ${col.sqlType}, which not every value survives`);
          statements.push(convert);
        }
      }
      if (prior.notNull && !col.notNull) {
        statements.push(
          `ALTER TABLE ${t} ALTER COLUMN ${c} DROP NOT NULL;`,
          // A value an earlier change gave rows written before stays the default until the column is optional.
          ...(col.default ? [] : [`ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT;`]),
        );
        changes.push(`makes ${where} optional`);
      } else if (!prior.notNull && col.notNull) {
        const fill = literal ?? (col.default ? 'DEFAULT' : undefined);
        if (col.unique && literal !== undefined) {
          refusals.push(
            `makes the unique column ${where} (${named}) required: one value cannot fill every row written before without one`,
          );
        } else if (fill === undefined) {
          refusals.push(
            `makes ${where} (${named}) required: rows written before may have no value for it; give one for them (backfill: ${named}: <value>)`,
          );
        } else {
          statements.push(
            `UPDATE ${t} SET ${c} = ${fill} WHERE ${c} IS NULL;`,
            `ALTER TABLE ${t} ALTER COLUMN ${c} SET NOT NULL;`,
            // As for a new required column: the version before may write rows without it after a rollback.
            ...(literal !== undefined && !col.default
              ? [`ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${literal};`]
              : []),
          );
          changes.push(
            `makes ${where} required${given === undefined ? '' : `, ${given} where rows had none`}`,
          );
        }
      }
      if (prior.default !== col.default)
        statements.push(
          col.default
            ? `ALTER TABLE ${t} ALTER COLUMN ${c} SET DEFAULT ${col.default};`
            : `ALTER TABLE ${t} ALTER COLUMN ${c} DROP DEFAULT;`,
        );
      if (!prior.unique && col.unique) {
        statements.push(
          `ALTER TABLE ${t} ADD CONSTRAINT ${constraintName(table, `${col.name}_key`)} UNIQUE (${c});`,
        );
        changes.push(`makes ${where} unique (refused by the database if rows written before share a value)`);
      } else if (prior.unique && !col.unique) {
        statements.push(dropUnique(table, col.name));
        changes.push(`lets rows share a value of ${where}`);
      }
      if (rulesChange) {
        const narrowed = prior.checks.join('\n') === col.checks.join('\n') ? undefined : narrows(prior, col);
        if (narrowed) losing(`${narrowed} on ${where}: rows written before may break the new rule`);
        // A replaced rule holds for the rows written from now on; rows written before are not checked again (an
        // earlier version may have narrowed a rule without checking them), so they stay as they are.
        for (const check of checkConstraints(table, col))
          statements.push(`ALTER TABLE ${t} ADD ${check} NOT VALID;`);
        if (!narrowed && prior.checks.join('\n') !== col.checks.join('\n'))
          changes.push(`${widened(prior, col) ?? 'changes the rule of'} ${where}`);
      }
      const [from, to] = [prior.references, col.references];
      if (from?.entity !== to?.entity || from?.sameContext !== to?.sameContext) {
        if (from && to) losing(`points ${where} at ${to.entity} instead of ${from.entity}`);
        if (from?.sameContext)
          statements.push(
            `ALTER TABLE ${t} DROP CONSTRAINT IF EXISTS ${id(constraintName(table, `${col.name}_fkey`))};`,
          );
        // Values written before may name rows the referenced table does not have: they are not checked again.
        if (to?.sameContext)
          laterKeys.push(`ALTER TABLE ${t} ADD ${foreignKeyConstraint(table, col)} NOT VALID;`);
        if (!from) statements.push(...columnIndexes(table, col));
        if (!to) statements.push(`DROP INDEX IF EXISTS ${id(constraintName(table, `${col.name}_idx`))};`);
      }
      if (prior.comment !== col.comment) statements.push(columnComment(table, col));
    }
    for (const gone of old.columns.filter((c) => !after.some((col) => col.name === c.name))) {
      losing(`drops the column ${table}.${gone.name} and the values in it (${renameHint})`);
      statements.push(`ALTER TABLE ${t} DROP COLUMN ${id(gone.name)};`);
    }
  }

  statements.push(...laterKeys);
  const dropped = [...was.keys()].filter((table) => !now.has(table));
  if (dropped.length) {
    for (const table of dropped) losing(`drops the table ${table} and every row in it (${renameHint})`);
    statements.push(`DROP TABLE ${dropped.map(id).join(', ')};`);
  }
  return refusals.length ? { statements: [], changes, refusals } : { statements, changes, refusals };
}
