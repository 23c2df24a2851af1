import type { ServiceAttribute, ServiceEntity, ServiceModel } from './model';
import type { Check, Operand } from './rulePlan';
import { intervalOf, millisecondsIn } from './rulePlan';

/**
 * Values the generated tests send: a valid value per attribute (inside every bound), and for each rule an
 * invalid one with the reason it must be refused. Shared by the service's own tests and the contract tests.
 */
export function validValue(attribute: ServiceAttribute, variant = 1): unknown {
  if (attribute.uuid) return `00000000-0000-4000-8000-${String(variant).padStart(12, '0')}`;
  const low = attribute.minimum ?? 0;
  const high = attribute.maximum ?? low + 1000;
  switch (attribute.type) {
    case 'integer':
      return Math.min(high, Math.max(Math.ceil(low), 1) + variant - 1);
    case 'number':
      return Math.min(high, low + 2.5 * variant);
    case 'money':
      return Math.min(high, low + 19.99 * variant).toFixed(2);
    case 'boolean':
      return variant % 2 === 1;
    case 'date':
      return `2026-03-${String(10 + (variant % 18)).padStart(2, '0')}`;
    case 'datetime':
      return `2026-03-${String(10 + (variant % 18)).padStart(2, '0')}T09:30:00.000Z`;
    case 'email':
      return `${attribute.name.toLowerCase()}${variant}@example.org`;
    case 'enum': {
      const values = attribute.enumValues ?? ['value'];
      return values[(variant - 1) % values.length];
    }
    default: {
      const text = `${attribute.name} ${variant}`;
      return attribute.maxLength ? text.slice(0, attribute.maxLength) : text;
    }
  }
}

/**
 * A complete valid create body; `variant` keeps unique attributes distinct between calls. A period ends after it
 * starts, and the entity's comparison rules hold, so the body is valid for its business rules too.
 */
export function validBody(entity: ServiceEntity, variant = 1, onlyRequired = false): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const attribute of entity.attributes) {
    if (onlyRequired && !attribute.required) continue;
    body[attribute.name] = validValue(attribute, variant);
  }
  const interval = intervalOf(entity.entity);
  if (interval && body[interval.start] !== undefined && body[interval.end] !== undefined) {
    const start = entity.attributes.find((a) => a.name === interval.start)!;
    const step = start.type === 'date' ? millisecondsIn('day') : 2 * millisecondsIn('hour');
    body[interval.end] = fromNumber(start, toNumber(body[interval.start]) + step);
  }
  for (const { check } of entity.checks) {
    if (check.kind === 'comparison') adjust(entity, body, check, true);
  }
  return body;
}

/**
 * A create body that breaks (or, with `keep`, keeps) one comparison rule and leaves every other attribute valid, or
 * none when it cannot; `related` is the body of the record a related operand reads (the room of a booking).
 */
export function bodyFor(
  entity: ServiceEntity,
  check: Extract<Check, { kind: 'comparison' }>,
  variant: number,
  options: { keep?: boolean; related?: Record<string, unknown> } = {},
): Record<string, unknown> | undefined {
  const body = validBody(entity, variant);
  return adjust(entity, body, check, options.keep ?? false, options.related) ? body : undefined;
}

const dayMs = millisecondsIn('day');

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value);
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Date.parse(text);
}

function fromNumber(attribute: ServiceAttribute, value: number): unknown {
  switch (attribute.type) {
    case 'money':
      return value.toFixed(2);
    case 'date':
      return new Date(value).toISOString().slice(0, 10);
    case 'datetime':
      return new Date(value).toISOString();
    default:
      return value;
  }
}

/** The smallest step of an attribute's values: a cent, one, a day, an hour. */
function stepOf(attribute: ServiceAttribute): number {
  if (attribute.type === 'date') return dayMs;
  if (attribute.type === 'datetime') return millisecondsIn('hour');
  if (attribute.type === 'money') return 0.01;
  return attribute.type === 'number' ? 0.5 : 1;
}

/**
 * Sets the left side of a comparison (an attribute, or a period's end) so that the rule holds (`keep`) or is
 * broken by one step. Returns false when the body has no value to change.
 */
function adjust(
  entity: ServiceEntity,
  body: Record<string, unknown>,
  check: Extract<Check, { kind: 'comparison' }>,
  keep: boolean,
  related: Record<string, unknown> = {},
): boolean {
  const attribute = (name: string) => entity.attributes.find((a) => a.name === name);
  const valueOf = (operand: Operand): number | undefined => {
    if (operand.kind === 'number') return operand.value;
    if (operand.kind === 'duration') return undefined;
    const source = operand.kind === 'attribute' ? body : related;
    return source[operand.name] === undefined ? undefined : toNumber(source[operand.name]);
  };
  const right = valueOf(check.right);
  if (right === undefined) return false;
  const { left } = check;
  const target = attribute(left.kind === 'duration' ? left.end : left.kind === 'attribute' ? left.name : '');
  if (!target || body[target.name] === undefined) return false;
  // In the left side's own measure: a duration counts units, an attribute its own values.
  const step = left.kind === 'duration' ? 1 : stepOf(target);
  const lower = check.operator === '<' || check.operator === '<=';
  const strict = check.operator === '<' || check.operator === '>';
  const wanted = keep
    ? check.operator === '='
      ? right
      : lower
        ? right - (strict ? step : 0)
        : right + (strict ? step : 0)
    : lower || check.operator === '='
      ? right + (strict ? 0 : step)
      : right - (strict ? 0 : step);
  if (left.kind === 'duration') {
    const start = body[left.start];
    if (start === undefined) return false;
    const length = keep && lower && !strict ? Math.min(wanted, 1) : wanted;
    body[target.name] = fromNumber(target, toNumber(start) + length * millisecondsIn(left.unit));
    return true;
  }
  const current = toNumber(body[target.name]);
  const holds = {
    '<': current < right,
    '<=': current <= right,
    '>': current > right,
    '>=': current >= right,
    '=': current === right,
  }[check.operator];
  if (keep && holds) return true;
  body[target.name] = fromNumber(target, wanted);
  return true;
}

export interface InvalidSample {
  field: string;
  value: unknown;
  reason: string;
}

export function invalidSamples(attribute: ServiceAttribute): InvalidSample[] {
  const field = attribute.name;
  const samples: InvalidSample[] = [];
  const add = (value: unknown, reason: string) => samples.push({ field, value, reason });
  switch (attribute.type) {
    case 'integer':
      add(1.5, 'not an integer');
      add('7', 'a string');
      break;
    case 'number':
      add('7', 'a string');
      break;
    case 'money':
      add('1.234', 'more than two decimals');
      add('12345678901.00', 'more than ten integer digits');
      add(7, 'a number');
      break;
    case 'boolean':
      add('yes', 'not a boolean');
      break;
    case 'date':
      add('2026-02-30', 'not a calendar date');
      add(20260101, 'a number');
      break;
    case 'datetime':
      add('yesterday', 'not a date-time');
      break;
    case 'email':
      add('not-an-email', 'not an email address');
      break;
    case 'enum':
      add('not_a_value', 'not one of the allowed values');
      break;
    default:
      add(42, 'not a string');
      if (attribute.uuid) add('not-a-uuid', 'not a uuid');
      if (attribute.maxLength) add('x'.repeat(attribute.maxLength + 1), 'longer than maxLength');
  }
  const numeric = ['integer', 'number', 'money'].includes(attribute.type);
  const asValue = (n: number) => (attribute.type === 'money' ? n.toFixed(2) : n);
  if (attribute.minimum !== undefined && numeric) add(asValue(attribute.minimum - 1), 'below minimum');
  if (attribute.maximum !== undefined && numeric) add(asValue(attribute.maximum + 1), 'above maximum');
  return samples;
}

/** A state from which a command is refused, when there is one. */
export function refusedState(entity: ServiceEntity, allowedFrom: string[]): string | undefined {
  return entity.states.find((state) => !allowedFrom.includes(state));
}

/**
 * The text fields a client varies between records so that none is refused as a duplicate: unique attributes and
 * the fields a uniqueness rule names (a prefix keeps text, names and email addresses valid).
 */
export function uniqueFields(entity: ServiceEntity): string[] {
  const ruleUnique = entity.checks
    .flatMap((r) => (r.check.kind === 'uniqueness' ? r.check.fields : []))
    .filter((name) =>
      entity.attributes.some(
        (a) => a.name === name && ['string', 'text', 'email'].includes(a.type) && !a.uuid,
      ),
    );
  return [...new Set([...entity.attributes.filter((a) => a.unique).map((a) => a.name), ...ruleUnique])];
}

/** Dates that keep a time window open or closed whatever the day: long before and long after any run. */
export const farPast = { date: '2000-01-01', datetime: '2000-01-01T00:00:00.000Z' };
export const farFuture = { date: '2999-12-31', datetime: '2999-12-31T00:00:00.000Z' };

/**
 * A record `child` may refer to: a valid body whose dates keep open the time windows the child's rules read from
 * it ("cannot be allocated after the item's expiry date" gets an item that expires in the far future).
 */
function referenceBody(
  model: ServiceModel,
  child: ServiceEntity,
  target: ServiceEntity,
): Record<string, unknown> {
  const body = validBody(target, 200);
  for (const rule of model.rules.enforced) {
    const { check } = rule;
    if (rule.hook !== child.name || check.kind !== 'time-window' || check.related?.entity !== target.name)
      continue;
    const type = target.attributes.find((a) => a.name === check.anchor)?.type;
    if (type === 'date' || type === 'datetime')
      body[check.anchor] = (check.relation === 'before' ? farFuture : farPast)[type];
  }
  return body;
}

/**
 * The records of the service an entity's body refers to: the field, the collection such a record is created in, a
 * body for it that the entity's rules accept (tests and drivers create them first, as foreign keys require) and the
 * fields of that body no two such records may share.
 */
export function referencedRecords(
  model: ServiceModel,
  entity: ServiceEntity,
): Array<{ field: string; collectionPath: string; body: Record<string, unknown>; unique: string[] }> {
  return entity.references.map((r) => {
    const target = model.entities.find((e) => e.name === r.entity)!;
    return {
      field: r.field,
      collectionPath: target.collectionPath,
      body: referenceBody(model, entity, target),
      unique: uniqueFields(target),
    };
  });
}
