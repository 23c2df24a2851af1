import { mergeReports, type FullMutationReport } from './mergeReports';

const location = { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } };

function report(
  files: FullMutationReport['files'],
  testFiles: NonNullable<FullMutationReport['testFiles']>,
  config: string,
): FullMutationReport {
  return { schemaVersion: '2', config: { name: config }, files, testFiles };
}

const tokensTests = {
  source: 'it("rejects a forged token")\nit("accepts a valid token")',
  tests: [
    { id: '0', name: 'rejects a forged token' },
    { id: '1', name: 'accepts a valid token' },
  ],
};

// First batch: tokens.ts, killed by its own tests.
const first = report(
  {
    'platform/tokens.ts': {
      language: 'typescript',
      source: 'export const a = 1;',
      mutants: [
        { id: '1', status: 'Killed', location, coveredBy: ['0', '1'], killedBy: ['1'] },
        { id: '2', status: 'Survived', location, coveredBy: ['0'] },
        { id: '3', status: 'CompileError', location },
      ],
    },
  },
  { 'test/tokens.test.ts': tokensTests },
  'first',
);

describe('merging mutation results gathered in batches', () => {
  it('keeps every module and carries test references over by file and name under new ids', () => {
    const second = report(
      {
        'runs/limits.ts': {
          language: 'typescript',
          source: 'export const b = 2;',
          mutants: [{ id: '1', status: 'Killed', location, coveredBy: ['0'], killedBy: ['0'] }],
        },
      },
      { 'test/limits.test.ts': { source: 'it("caps runs")', tests: [{ id: '0', name: 'caps runs' }] } },
      'second',
    );
    const { report: merged, dropped } = mergeReports([first, second]);
    expect(dropped).toEqual({});
    expect(merged.config).toEqual({ name: 'second' });
    const ids = Object.fromEntries(
      Object.values(merged.testFiles!).flatMap((file) => file.tests.map((test) => [test.name, test.id])),
    );
    expect(new Set(Object.values(ids)).size).toBe(3);
    expect(merged.files['runs/limits.ts'].mutants[0]).toMatchObject({
      coveredBy: [ids['caps runs']],
      killedBy: [ids['caps runs']],
    });
    expect(merged.files['platform/tokens.ts'].mutants).toEqual([
      {
        id: '1',
        status: 'Killed',
        location,
        coveredBy: [ids['rejects a forged token'], ids['accepts a valid token']],
        killedBy: [ids['accepts a valid token']],
      },
      { id: '2', status: 'Survived', location, coveredBy: [ids['rejects a forged token']] },
      { id: '3', status: 'CompileError', location },
    ]);
  });

  it('takes a module from the last report and drops mutants whose tests changed since theirs', () => {
    const changedTests = {
      source: `${tokensTests.source}\nit("accepts an expired token in grace")`,
      tests: [...tokensTests.tests, { id: '2', name: 'accepts an expired token in grace' }],
    };
    const second = report(
      {
        'runs/limits.ts': {
          language: 'typescript',
          source: 'export const b = 2;',
          mutants: [
            { id: '1', status: 'Killed', location, coveredBy: ['0'], killedBy: ['0'] },
            { id: '2', status: 'NoCoverage', location, coveredBy: [] },
          ],
        },
      },
      { 'test/tokens.test.ts': changedTests },
      'second',
    );
    const { report: merged, dropped } = mergeReports([first, second]);
    // tokens.ts's covered mutants named tests of a file that changed after them: Stryker must test them again.
    expect(dropped).toEqual({ 'platform/tokens.ts': 2 });
    expect(merged.files['platform/tokens.ts'].mutants.map((mutant) => mutant.id)).toEqual(['3']);
    expect(merged.testFiles!['test/tokens.test.ts'].source).toBe(changedTests.source);
    expect(merged.files['runs/limits.ts'].mutants.map((mutant) => mutant.coveredBy)).toEqual([
      [merged.testFiles!['test/tokens.test.ts'].tests[0].id],
      [],
    ]);
  });

  it('refuses to merge nothing', () => {
    expect(() => mergeReports([])).toThrow('no reports to merge');
  });
});
