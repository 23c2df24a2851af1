import { ValidationError, type FieldError } from './errors';

/** How one attribute is checked: the domain model's attribute rules, as data. */
export interface AttributeRule {
  name: string;
  type:
    'string' | 'text' | 'integer' | 'number' | 'boolean' | 'date' | 'datetime' | 'email' | 'money' | 'enum';
  required: boolean;
  enumValues?: readonly string[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  uuid?: boolean;
  /** Money: the decimal-string pattern of the OpenAPI schema, the same string. */
  pattern?: RegExp;
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

function isCalendarDate(value: string): boolean {
  const match = datePattern.exec(value);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === value;
}

/** Format checks by attribute type; each returns the problem or undefined. */
const formatChecks: Partial<
  Record<AttributeRule['type'], (value: string, rule: AttributeRule) => string | undefined>
> = {
  email: (value) => (emailPattern.test(value) ? undefined : 'must be an email address'),
  date: (value) => (isCalendarDate(value) ? undefined : 'must be a date (YYYY-MM-DD)'),
  datetime: (value) =>
    dateTimePattern.test(value) && !Number.isNaN(Date.parse(value))
      ? undefined
      : 'must be a date-time (RFC 3339)',
  enum: (value, rule) =>
    (rule.enumValues ?? []).includes(value)
      ? undefined
      : 'must be one of: ' + (rule.enumValues ?? []).join(', '),
};

function checkText(rule: AttributeRule, value: string): string | undefined {
  if (rule.required && value.trim() === '') return 'must not be empty';
  // Characters are code points, as JSON Schema and PostgreSQL count them (an emoji is one, not two).
  if (rule.maxLength !== undefined && [...value].length > rule.maxLength)
    return 'must be at most ' + rule.maxLength + ' characters';
  if (rule.uuid && !isUuid(value)) return 'must be a uuid';
  return formatChecks[rule.type]?.(value, rule);
}

function checkNumber(rule: AttributeRule, value: number): string | undefined {
  if (!Number.isFinite(value)) return 'must be a finite number';
  if (rule.type === 'integer' && !Number.isInteger(value)) return 'must be an integer';
  if (rule.minimum !== undefined && value < rule.minimum) return 'must be at least ' + rule.minimum;
  if (rule.maximum !== undefined && value > rule.maximum) return 'must be at most ' + rule.maximum;
  return undefined;
}

/** Whole cents of a string that matched the money pattern; at most 12 digits, so exact in a double. */
function cents(value: string): number {
  const [whole, fraction = ''] = value.replace('-', '').split('.');
  const magnitude = Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
  return value.startsWith('-') ? -magnitude : magnitude;
}

/** Money is a decimal string; its bounds are compared in whole cents, never as binary floats. */
function checkMoney(rule: AttributeRule, value: unknown): string | undefined {
  if (typeof value !== 'string' || !rule.pattern?.test(value)) {
    return 'must be a decimal string such as "19.99" matching ' + rule.pattern?.source;
  }
  if (rule.minimum !== undefined && cents(value) < Math.round(rule.minimum * 100))
    return 'must be at least ' + rule.minimum.toFixed(2);
  if (rule.maximum !== undefined && cents(value) > Math.round(rule.maximum * 100))
    return 'must be at most ' + rule.maximum.toFixed(2);
  return undefined;
}

/** Why a value breaks its rule, or undefined when it is valid. */
export function checkValue(rule: AttributeRule, value: unknown): string | undefined {
  switch (rule.type) {
    case 'money':
      return checkMoney(rule, value);
    case 'integer':
    case 'number':
      return typeof value === 'number' ? checkNumber(rule, value) : 'must be a number';
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'must be a boolean';
    default:
      return typeof value === 'string' ? checkText(rule, value) : 'must be a string';
  }
}

/**
 * Checks a request body against the rules: unknown fields are refused, required ones must be present on
 * create; on update every field is optional. Returns the body narrowed to known fields.
 */
export function validateInput(
  input: unknown,
  rules: readonly AttributeRule[],
  mode: 'create' | 'update',
): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ValidationError([{ field: '(body)', message: 'must be a JSON object' }]);
  }
  const body = input as Record<string, unknown>;
  const known = new Set(rules.map((rule) => rule.name));
  const errors: FieldError[] = Object.keys(body)
    .filter((field) => !known.has(field))
    .map((field) => ({ field, message: 'is not a writable field' }));
  const accepted: Record<string, unknown> = {};
  for (const rule of rules) {
    const problem = checkField(rule, body[rule.name], mode);
    if (problem) errors.push({ field: rule.name, message: problem });
    else if (body[rule.name] !== undefined) accepted[rule.name] = body[rule.name];
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return accepted;
}

function checkField(rule: AttributeRule, value: unknown, mode: 'create' | 'update'): string | undefined {
  if (value === undefined) return mode === 'create' && rule.required ? 'is required' : undefined;
  return checkValue(rule, value);
}
