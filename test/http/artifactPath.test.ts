import fc from 'fast-check';
import { artifactPathParam } from '../../functions/http/artifacts';
import { ProblemError } from '../../functions/http/problem';

const pieces = fc.constantFrom(
  '..',
  '.',
  '',
  'a',
  'input',
  'vision.md',
  '\\',
  '%2e',
  '%2f',
  '%5c',
  '%00',
  '\0',
  '/',
  'C:',
  '%',
  '%%',
  '\u202e',
  ' ',
);

test('an accepted artifact path never leaves its run; everything else is a 400 problem', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(pieces, { maxLength: 8 }).map((p) => p.join('')),
        fc.string({ maxLength: 40 }),
      ),
      (raw) => {
        let accepted: string | undefined;
        try {
          accepted = artifactPathParam(raw);
        } catch (error) {
          expect(error).toBeInstanceOf(ProblemError);
          expect((error as ProblemError).status).toBe(400);
          return;
        }
        expect(accepted).toBe(raw);
        expect(accepted.startsWith('/')).toBe(false);
        expect(accepted).not.toMatch(/\\|\0|%[0-9a-f]{2}|^[A-Za-z]:/i);
        expect(
          accepted.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..'),
        ).toBe(true);
      },
    ),
    { numRuns: 5000 },
  );
});

test.each([
  'input/vision.md',
  'iteration-1/vision-to-architecture/attempt-1/api/reservations.openapi.json',
  'a b/c.txt',
  'x%y/z',
])('accepts %s', (path) => {
  expect(artifactPathParam(path)).toBe(path);
});

test.each([
  undefined,
  '',
  '..',
  'a/../b',
  '/etc/passwd',
  'a\\b',
  'a\0b',
  '%2e%2e/x',
  'C:/x',
  'a//b',
  'x'.repeat(1025),
])('refuses %p', (path) => {
  expect(() => artifactPathParam(path)).toThrow(ProblemError);
});
