import { join } from 'node:path';
import { moduleScores } from './moduleScores';
import { parseMutationReport, readMutationReport } from './mutationReport';
import { checkScores } from './scoreCheck';

// platform/tokens.ts: 4 killed, 1 timeout, 1 survived, 1 ignored, 1 compile error; runs/limits.ts: 2 killed,
// 1 survived, 1 without coverage.
const report = readMutationReport(join(__dirname, 'sampleReport.json'));

describe('mutation score check', () => {
  it('counts each module as Stryker does: ignored and invalid mutants are outside the score', () => {
    const { modules, total } = moduleScores(report);
    expect(modules.map(({ module }) => module)).toEqual(['platform/tokens.ts', 'runs/limits.ts']);
    expect(modules[0]).toMatchObject({
      mutants: 8,
      killed: 4,
      timeout: 1,
      survived: 1,
      noCoverage: 0,
      ignored: 1,
    });
    expect(modules[0].invalid).toBe(1);
    expect(modules[0].score).toBeCloseTo((5 / 6) * 100);
    expect(modules[1]).toMatchObject({
      mutants: 4,
      killed: 2,
      timeout: 0,
      survived: 1,
      noCoverage: 1,
      score: 50,
    });
    expect(total).toMatchObject({
      mutants: 12,
      killed: 6,
      timeout: 1,
      survived: 2,
      noCoverage: 1,
      ignored: 1,
    });
    expect(total.score).toBeCloseTo(70);
  });

  it('prints the table with the total last', () => {
    const { output } = checkScores(report, 80);
    expect(output.slice(0, 5)).toEqual([
      'module             | mutants | killed | timeout | survived | no coverage | ignored |  score',
      '-------------------|---------|--------|---------|----------|-------------|---------|-------',
      'platform/tokens.ts |       8 |      4 |       1 |        1 |           0 |       1 | 83.33%',
      'runs/limits.ts     |       4 |      2 |       0 |        1 |           1 |       0 | 50.00%',
      'total              |      12 |      6 |       1 |        2 |           1 |       1 | 70.00%',
    ]);
  });

  it('lists every exclusion comment with its place, mutators and reason', () => {
    const { output } = checkScores(report, 80);
    expect(output.slice(6)).toEqual([
      'Excluded mutants (2 `// Stryker disable` comment(s)):',
      '  platform/tokens.ts:2 StringLiteral (next-line): the prefix is a label no caller reads',
      '  runs/limits.ts:1 all (until-restore): (no reason given)',
    ]);
  });

  it('fails one line per module under the minimum, the total, and each exclusion without a reason', () => {
    expect(checkScores(report, 80).failures).toEqual([
      'runs/limits.ts: mutation score 50.00% is under 80% ' +
        '(4 mutants: 2 killed, 0 timeout, 1 survived, 1 no coverage, 0 ignored)',
      'total: mutation score 70.00% is under 80% (12 mutants: 6 killed, 1 timeout, 2 survived, 1 no coverage, 1 ignored)',
      'runs/limits.ts:1: a `// Stryker disable` comment must give its reason after a colon',
    ]);
    expect(checkScores(report, 50).failures).toEqual([
      'runs/limits.ts:1: a `// Stryker disable` comment must give its reason after a colon',
    ]);
  });

  it('passes a module whose mutants are all ignored: it has no score to miss', () => {
    const allIgnored = parseMutationReport(
      {
        schemaVersion: '1.0',
        files: {
          'a.ts': {
            language: 'typescript',
            source: '// Stryker disable next-line all: a constant table\nexport const a = 1;\n',
            mutants: [
              {
                id: '1',
                mutatorName: 'ArithmeticOperator',
                status: 'Ignored',
                location: { start: { line: 2, column: 18 }, end: { line: 2, column: 19 } },
              },
            ],
          },
        },
      },
      'inline report',
    );
    const check = checkScores(allIgnored, 80);
    expect(check.failures).toEqual([]);
    expect(check.output[2]).toMatch(/^a\.ts +\| +1 \| +0 \| +0 \| +0 \| +0 \| +1 \| +n\/a$/);
  });

  it('refuses a file that is not a complete report, naming the field', () => {
    expect(() =>
      parseMutationReport({ schemaVersion: '1.0', files: { 'a.ts': { language: 'ts' } } }, 'x.json'),
    ).toThrow('x.json is not a mutation-testing report: files.a.ts.source:');
    expect(() => parseMutationReport({ schemaVersion: '2', files: {} }, 'x.json')).toThrow(
      /schemaVersion: only version 1/,
    );
    const pending = parseMutationReport(
      {
        schemaVersion: '1',
        files: {
          'a.ts': {
            language: 'typescript',
            source: '',
            mutants: [
              {
                id: '1',
                mutatorName: 'X',
                status: 'Pending',
                location: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } },
              },
            ],
          },
        },
      },
      'x.json',
    );
    expect(() => checkScores(pending, 80)).toThrow(
      'a.ts: 1 mutant(s) still Pending; the report is not complete',
    );
    expect(() => readMutationReport(join(__dirname, 'missing.json'))).toThrow(
      /cannot read the mutation report/,
    );
  });
});
