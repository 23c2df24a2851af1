/**
 * Money on the wire: always a decimal string such as "19.99", never a JSON number. A binary float cannot hold
 * 19.99 exactly, so `multipleOf: 0.01` refuses it in standard validators; a string keeps exact cents in every
 * language. The pattern matches the column money is stored in, `numeric(12,2)`: at most 10 integer digits and
 * at most 2 decimals. The OpenAPI and AsyncAPI schemas, the generated services and the clients all use it.
 */

/** Digits before the decimal point that `numeric(12,2)` holds. */
export const moneyIntegerDigits = 10;
export const moneyDecimals = 2;

/** The bounds of a money attribute, as the domain model states them. */
export interface MoneyBounds {
  minimum?: number;
  maximum?: number;
}

/** A minus sign is allowed only when the attribute states no minimum or one below zero. */
export function moneyAllowsNegative(bounds: MoneyBounds): boolean {
  return bounds.minimum === undefined || bounds.minimum < 0;
}

const digits = `[0-9]{1,${moneyIntegerDigits}}(\\.[0-9]{1,${moneyDecimals}})?`;

/** The JSON Schema (ECMA-262) pattern a money value of these bounds must match. */
export function moneyPattern(bounds: MoneyBounds): string {
  return `^${moneyAllowsNegative(bounds) ? '-?' : ''}${digits}$`;
}

/** A money pattern as an HTML `pattern` attribute, which is anchored implicitly. */
export function moneyInputPattern(pattern: string): string {
  return pattern.replace(/^\^|\$$/g, '');
}

/** Whether a schema's pattern is one of the money patterns (how a client recognises money in an OpenAPI). */
export function isMoneyPattern(pattern: unknown): boolean {
  return pattern === moneyPattern({}) || pattern === moneyPattern({ minimum: 0 });
}

/** Bounds the pattern cannot express: the service and the database enforce them, the description names them. */
function boundsBeyondPattern(bounds: MoneyBounds): string[] {
  const notes: string[] = [];
  if (bounds.minimum !== undefined && bounds.minimum !== 0)
    notes.push(`at least ${bounds.minimum.toFixed(moneyDecimals)}`);
  if (bounds.maximum !== undefined) notes.push(`at most ${bounds.maximum.toFixed(moneyDecimals)}`);
  return notes;
}

/** What a money schema's description says about the format, after the attribute's own description. */
export function moneyDescription(bounds: MoneyBounds, description?: string): string {
  const sign = moneyAllowsNegative(bounds) ? '' : ', not negative';
  const beyond = boundsBeyondPattern(bounds);
  const format =
    `Amount in the product currency as a decimal string with at most ${moneyIntegerDigits} integer digits and ` +
    `${moneyDecimals} decimals${sign}, e.g. "19.99"` +
    (beyond.length ? `; ${beyond.join(' and ')}` : '') +
    '.';
  const own = description?.trim();
  return own ? `${/[.!?]$/.test(own) ? own : `${own}.`} ${format}` : format;
}
