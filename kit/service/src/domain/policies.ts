import { RuleViolation, type BusinessRule } from './errors';

/** The pieces compiled rules are made of: calendar periods, intervals, comparisons of numbers, money and dates. */

export type CalendarPeriod = 'day' | 'week' | 'month' | 'year';
export type Operator = '<' | '<=' | '>' | '>=' | '=';

const dayMs = 86_400_000;
const dateOnly = /^\d{4}-\d{2}-\d{2}$/;

/** The first instant (UTC) of the calendar period that contains `at`; weeks start on Monday (ISO 8601). */
export function periodStart(at: Date, period: CalendarPeriod): number {
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  const day = at.getUTCDate();
  switch (period) {
    case 'year':
      return Date.UTC(year, 0, 1);
    case 'month':
      return Date.UTC(year, month, 1);
    case 'week':
      return Date.UTC(year, month, day) - ((at.getUTCDay() + 6) % 7) * dayMs;
    case 'day':
      return Date.UTC(year, month, day);
  }
}

/** Whether the instant `value` (RFC 3339) falls in the same calendar period as `now`. */
export function inSamePeriod(value: string, now: Date, period: CalendarPeriod): boolean {
  return periodStart(new Date(value), period) === periodStart(now, period);
}

/**
 * A date or date-time as milliseconds. A date alone stands for its whole day: its first instant when a period
 * starts there, its last when one ends there (an item that expires on 10 March can still be used on 10 March).
 */
export function instant(value: string, edge: 'start' | 'end' = 'start'): number {
  const at = Date.parse(value);
  return dateOnly.test(value) && edge === 'end' ? at + dayMs - 1 : at;
}

/** Two periods overlap when each starts before the other ends; periods that only touch do not (a loan ending
 * on the 11th and one starting on the 11th can both be kept). */
export function overlaps(start: string, end: string, otherStart: string, otherEnd: string): boolean {
  return instant(start) < instant(otherEnd) && instant(otherStart) < instant(end);
}

/** A number, a money amount (decimal string, compared in cents) or a date as a comparable number. */
export function comparable(value: number | string): number {
  if (typeof value === 'number') return value;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 100) / 100;
  return instant(value);
}

export function holds(left: number, operator: Operator, right: number): boolean {
  switch (operator) {
    case '<':
      return left < right;
    case '<=':
      return left <= right;
    case '>':
      return left > right;
    case '>=':
      return left >= right;
    case '=':
      return left === right;
  }
}

/** The length of a period in a unit (e.g. hours between start and end). */
export function durationIn(start: string, end: string, unitMs: number): number {
  return (instant(end) - instant(start)) / unitMs;
}

/** Refuses the request unless `condition` holds. */
export function ensure(
  condition: boolean,
  rule: BusinessRule,
  status: 403 | 409 | 422,
  detail: string,
): void {
  if (!condition) throw new RuleViolation(rule, status, detail);
}

/** Whole periods from start to end, a started one counting as whole (a rental of 26 hours is 2 days); never negative. */
export function spanIn(start: string, end: string, unitMs: number): number {
  return Math.max(0, Math.ceil((instant(end) - instant(start)) / unitMs));
}

/** An amount of money as the decimal string the API uses, rounded to the cent. */
export function money(value: number): string {
  return (Math.round(value * 100) / 100).toFixed(2);
}
