import type { ServiceAttribute, ServiceEntity } from './model';

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

/** A complete valid create body; `variant` keeps unique attributes distinct between calls. */
export function validBody(entity: ServiceEntity, variant = 1, onlyRequired = false): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const attribute of entity.attributes) {
    if (onlyRequired && !attribute.required) continue;
    body[attribute.name] = validValue(attribute, variant);
  }
  return body;
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
