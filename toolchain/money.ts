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

/** Amounts are not negative unless the vision gives a lower minimum: prices, fees and fines never are. */
export function moneyBounds(bounds: MoneyBounds): MoneyBounds {
  return {
    minimum: bounds.minimum ?? 0,
    ...(bounds.maximum !== undefined ? { maximum: bounds.maximum } : {}),
  };
}

/** A minus sign is allowed only when the attribute states no minimum or one below zero. */
export function moneyAllowsNegative(bounds: MoneyBounds): boolean {
  return bounds.minimum === undefined || bounds.minimum < 0;
}

const largestWhole = 10 ** moneyIntegerDigits - 1;
const anyWhole = `0|[1-9][0-9]{0,${moneyIntegerDigits - 1}}`;
const anyDecimals = `(?:\\.[0-9]{1,${moneyDecimals}})?`;

/** A regular expression for the digit strings of one length from `low` to `high` (same length, `low <= high`). */
function sameLength(low: string, high: string): string {
  if (low === high) return low;
  if (/^0*$/.test(low) && /^9*$/.test(high)) return low.length === 1 ? '[0-9]' : `[0-9]{${low.length}}`;
  if (low.length === 1) return `[${low}-${high}]`;
  if (low[0] === high[0]) return low[0] + sameLength(low.slice(1), high.slice(1));
  const rest = low.length - 1;
  const parts = [low[0] + sameLength(low.slice(1), '9'.repeat(rest))];
  const next = Number(low[0]) + 1;
  const last = Number(high[0]) - 1;
  if (next <= last) parts.push(`${next === last ? next : `[${next}-${last}]`}[0-9]{${rest}}`);
  parts.push(high[0] + sameLength('0'.repeat(rest), high.slice(1)));
  return `(?:${parts.join('|')})`;
}

/** Whole numbers from `low` to `high` written without leading zeros. */
function wholeRange(low: number, high: number): string[] {
  const parts: string[] = [];
  for (let digits = String(low).length; digits <= String(high).length; digits++) {
    const from = Math.max(low, digits === 1 ? 0 : 10 ** (digits - 1));
    const to = Math.min(high, 10 ** digits - 1);
    if (from <= to) parts.push(sameLength(String(from), String(to)));
  }
  return parts;
}

/** One or two decimals worth `low` to `high` hundredths (".5" is 50); none at all counts as 0. */
function decimalsRange(low: number, high: number): string {
  const tenths = [Math.ceil(low / 10), Math.floor(high / 10)];
  const parts = [
    ...(tenths[0] <= tenths[1]
      ? [tenths[0] === tenths[1] ? `${tenths[0]}` : `[${tenths[0]}-${tenths[1]}]`]
      : []),
    sameLength(String(low).padStart(2, '0'), String(high).padStart(2, '0')),
  ];
  const decimals = `\\.(?:${parts.join('|')})`;
  return low === 0 ? `(?:${decimals})?` : decimals;
}

/**
 * The JSON Schema (ECMA-262) pattern a money value of these bounds must match: whole numbers without leading
 * zeros and at most 2 decimals. A minimum of 0 or more and a maximum are part of the pattern (JSON Schema compares
 * no numbers held in strings), so every validator refuses exactly what the service refuses. Below zero, only the
 * format is expressed and the description names the bounds.
 */
export function moneyPattern(bounds: MoneyBounds): string {
  if (moneyAllowsNegative(bounds)) return `^-?(?:${anyWhole})${anyDecimals}$`;
  const low = Math.round((bounds.minimum ?? 0) * 100);
  const high = Math.min(Math.round((bounds.maximum ?? Infinity) * 100), largestWhole * 100 + 99);
  if (low === 0 && high === largestWhole * 100 + 99) return `^(?:${anyWhole})${anyDecimals}$`;
  const [lowWhole, lowCents] = [Math.floor(low / 100), low % 100];
  const [highWhole, highCents] = [Math.floor(high / 100), high % 100];
  if (lowWhole === highWhole) return `^(?:${lowWhole}${decimalsRange(lowCents, highCents)})$`;
  const alternatives = [`${lowWhole}${decimalsRange(lowCents, 99)}`];
  if (lowWhole + 1 <= highWhole - 1)
    alternatives.push(`(?:${wholeRange(lowWhole + 1, highWhole - 1).join('|')})${anyDecimals}`);
  alternatives.push(`${highWhole}${decimalsRange(0, highCents)}`);
  return `^(?:${alternatives.join('|')})$`;
}

/** A money pattern as an HTML `pattern` attribute, which is anchored implicitly. */
export function moneyInputPattern(pattern: string): string {
  return pattern.replace(/^\^|\$$/g, '');
}

/** Whether a schema's pattern is one of the money patterns (how a client recognises money in an OpenAPI). */
export function isMoneyPattern(pattern: unknown): boolean {
  return (
    typeof pattern === 'string' &&
    /^\^-?\(\?:/.test(pattern) &&
    pattern.endsWith('$') &&
    pattern.includes('\\.')
  );
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
