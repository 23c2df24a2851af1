import { RuleViolation } from '../../kit/service/src/domain/errors';
import {
  comparable,
  durationIn,
  ensure,
  holds,
  inSamePeriod,
  instant,
  overlaps,
  periodStart,
} from '../../kit/service/src/domain/policies';

const rule = { id: 'booking-rule-1', statement: 'Two bookings of the same room must not overlap.' };

describe('service kit: policies', () => {
  it('starts weeks on Monday and months and years on their first day (UTC)', () => {
    // Sunday 6 December 2026: its week began on Monday 30 November.
    expect(new Date(periodStart(new Date('2026-12-06T23:00:00Z'), 'week')).toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
    expect(new Date(periodStart(new Date('2026-11-30T00:00:00Z'), 'week')).toISOString()).toBe(
      '2026-11-30T00:00:00.000Z',
    );
    expect(new Date(periodStart(new Date('2026-12-06T10:00:00Z'), 'month')).toISOString()).toBe(
      '2026-12-01T00:00:00.000Z',
    );
    expect(new Date(periodStart(new Date('2026-12-06T10:00:00Z'), 'year')).toISOString()).toBe(
      '2026-01-01T00:00:00.000Z',
    );
    expect(inSamePeriod('2026-12-07T00:00:00Z', new Date('2026-12-06T23:59:59Z'), 'week')).toBe(false);
    expect(inSamePeriod('2026-12-01T08:00:00Z', new Date('2026-12-06T23:59:59Z'), 'week')).toBe(true);
    expect(inSamePeriod('2026-12-06T00:00:00Z', new Date('2026-12-06T23:59:59Z'), 'day')).toBe(true);
  });

  it('reads a date alone as its whole day', () => {
    expect(instant('2026-03-10')).toBe(Date.parse('2026-03-10T00:00:00.000Z'));
    expect(instant('2026-03-10', 'end')).toBe(Date.parse('2026-03-10T23:59:59.999Z'));
    expect(instant('2026-03-10T12:00:00Z', 'end')).toBe(Date.parse('2026-03-10T12:00:00Z'));
  });

  it('counts periods that share time as overlapping, and periods that only touch as not', () => {
    const a = ['2026-03-10T09:00:00Z', '2026-03-10T11:00:00Z'] as const;
    expect(overlaps(...a, '2026-03-10T10:00:00Z', '2026-03-10T12:00:00Z')).toBe(true);
    expect(overlaps(...a, '2026-03-10T08:00:00Z', '2026-03-10T09:30:00Z')).toBe(true);
    expect(overlaps(...a, '2026-03-10T11:00:00Z', '2026-03-10T12:00:00Z')).toBe(false);
    expect(overlaps(...a, '2026-03-10T07:00:00Z', '2026-03-10T09:00:00Z')).toBe(false);
  });

  it('compares numbers, money and dates, and measures durations', () => {
    expect(comparable('19.99')).toBe(19.99);
    expect(comparable(3)).toBe(3);
    expect(comparable('2026-03-10')).toBe(Date.parse('2026-03-10'));
    expect(
      holds(2, '<', 3) && holds(3, '<=', 3) && holds(4, '>', 3) && holds(3, '>=', 3) && holds(3, '=', 3),
    ).toBe(true);
    expect(
      holds(3, '<', 3) || holds(4, '<=', 3) || holds(3, '>', 3) || holds(2, '>=', 3) || holds(2, '=', 3),
    ).toBe(false);
    expect(durationIn('2026-03-10T09:00:00Z', '2026-03-10T13:30:00Z', 3_600_000)).toBe(4.5);
  });

  it('refuses with the rule, its status and its sentence', () => {
    expect(() => ensure(true, rule, 409, 'fine')).not.toThrow();
    try {
      ensure(false, rule, 409, 'overlaps another Booking with the same roomId');
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(RuleViolation);
      const violation = error as RuleViolation;
      expect(violation.status).toBe(409);
      expect(violation.rule).toBe(rule);
      expect(violation.message).toBe(
        'overlaps another Booking with the same roomId (rule booking-rule-1: Two bookings of the same room must not overlap.)',
      );
    }
  });
});
