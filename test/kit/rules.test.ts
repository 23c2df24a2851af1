import { ValidationError } from '../../kit/service/src/domain/errors';
import { checkValue, isUuid, validateInput, type AttributeRule } from '../../kit/service/src/domain/rules';

const rules: AttributeRule[] = [
  { name: 'title', type: 'string', required: true, maxLength: 5 },
  { name: 'seats', type: 'integer', required: true, minimum: 1, maximum: 12 },
  { name: 'price', type: 'money', required: false, minimum: 0, pattern: /^-?\d{1,10}(\.\d{1,2})?$/ },
  { name: 'day', type: 'date', required: false },
];

const errorsOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).errors;
  }
  throw new Error('expected a ValidationError');
};

describe('service kit: attribute rules', () => {
  it('accepts a valid body and keeps only known fields that were sent', () => {
    expect(validateInput({ title: 'Hall', seats: 4, price: '19.99' }, rules, 'create')).toEqual({
      title: 'Hall',
      seats: 4,
      price: '19.99',
    });
    expect(validateInput({ seats: 2 }, rules, 'update')).toEqual({ seats: 2 });
  });

  it('lists every offending field: missing, unknown, out of bounds, badly formed', () => {
    expect(
      errorsOf(() =>
        validateInput({ seats: 13, price: '1.234', day: '2026-02-30', extra: 1 }, rules, 'create'),
      ),
    ).toEqual([
      { field: 'extra', message: 'is not a writable field' },
      { field: 'title', message: 'is required' },
      { field: 'seats', message: 'must be at most 12' },
      { field: 'price', message: expect.stringContaining('must be a decimal string') },
      { field: 'day', message: 'must be a date (YYYY-MM-DD)' },
    ]);
    expect(errorsOf(() => validateInput([], rules, 'create'))).toEqual([
      { field: '(body)', message: 'must be a JSON object' },
    ]);
  });

  it('counts characters as code points and money in cents', () => {
    expect(checkValue(rules[0], '🙂🙂🙂🙂🙂')).toBeUndefined();
    expect(checkValue(rules[0], '🙂🙂🙂🙂🙂🙂')).toBe('must be at most 5 characters');
    expect(checkValue(rules[2], '-0.01')).toBe('must be at least 0.00');
    expect(isUuid('00000000-0000-4000-8000-000000000001')).toBe(true);
    expect(isUuid('not-a-uuid')).toBe(false);
  });
});
