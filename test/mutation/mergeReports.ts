/**
 * Stryker writes its incremental file for the modules of one run only, so results gathered module batch by module
 * batch (`npx stryker run --mutate <files>`) are merged into one file that a run of the whole scope can reuse.
 * Test ids are numbers local to each report: references are carried over by test file and test name, and a mutant
 * is dropped (so Stryker tests it again) when a test it refers to is gone or its file changed between the reports.
 */
export interface TestDefinition {
  id: string;
  name: string;
  [field: string]: unknown;
}

export interface TestFileResult {
  source?: string;
  tests: TestDefinition[];
  [field: string]: unknown;
}

export interface MutantResult {
  id: string;
  coveredBy?: string[];
  killedBy?: string[];
  [field: string]: unknown;
}

export interface FullMutationReport {
  files: Record<string, { source: string; mutants: MutantResult[]; [field: string]: unknown }>;
  testFiles?: Record<string, TestFileResult>;
  [field: string]: unknown;
}

export interface MergeResult {
  report: FullMutationReport;
  /** Mutants left out because a test they name is gone or changed, by file. */
  dropped: Record<string, number>;
}

interface TestKey {
  file: string;
  name: string;
}

/** Later reports win: a module or test file in several reports is taken from the last one. */
export function mergeReports(reports: FullMutationReport[]): MergeResult {
  if (reports.length === 0) throw new Error('no reports to merge');
  const latestTestFiles = new Map<string, TestFileResult>();
  for (const report of reports) {
    for (const [file, result] of Object.entries(report.testFiles ?? {})) latestTestFiles.set(file, result);
  }
  const testFiles: Record<string, TestFileResult> = {};
  const mergedIds = new Map<string, string>();
  let nextId = 0;
  for (const [file, result] of [...latestTestFiles].sort(([a], [b]) => a.localeCompare(b))) {
    testFiles[file] = {
      ...result,
      tests: result.tests.map((test) => {
        const id = String(nextId++);
        mergedIds.set(keyOf({ file, name: test.name }), id);
        return { ...test, id };
      }),
    };
  }

  const latestFiles = new Map<string, { report: FullMutationReport; file: string }>();
  for (const report of reports) {
    for (const file of Object.keys(report.files)) latestFiles.set(file, { report, file });
  }
  const files: FullMutationReport['files'] = {};
  const dropped: Record<string, number> = {};
  for (const [file, { report }] of [...latestFiles].sort(([a], [b]) => a.localeCompare(b))) {
    const translate = translator(report, latestTestFiles, mergedIds);
    const mutants: MutantResult[] = [];
    for (const mutant of report.files[file].mutants) {
      const coveredBy = translate(mutant.coveredBy);
      const killedBy = translate(mutant.killedBy);
      if (coveredBy === undefined || killedBy === undefined) {
        dropped[file] = (dropped[file] ?? 0) + 1;
        continue;
      }
      mutants.push({
        ...mutant,
        ...(mutant.coveredBy ? { coveredBy } : {}),
        ...(mutant.killedBy ? { killedBy } : {}),
      });
    }
    files[file] = { ...report.files[file], mutants };
  }
  return { report: { ...reports[reports.length - 1], files, testFiles }, dropped };
}

function keyOf({ file, name }: TestKey): string {
  return JSON.stringify([file, name]);
}

/** Maps a report's test ids to merged ids; undefined when one of them cannot be carried over. */
function translator(
  report: FullMutationReport,
  latestTestFiles: Map<string, TestFileResult>,
  mergedIds: Map<string, string>,
): (ids: string[] | undefined) => string[] | undefined {
  const byId = new Map<string, string | undefined>();
  for (const [file, result] of Object.entries(report.testFiles ?? {})) {
    const unchanged = latestTestFiles.get(file)?.source === result.source;
    for (const test of result.tests) {
      byId.set(test.id, unchanged ? mergedIds.get(keyOf({ file, name: test.name })) : undefined);
    }
  }
  return (ids) => {
    if (!ids) return [];
    const merged: string[] = [];
    for (const id of ids) {
      const translated = byId.get(id);
      if (translated === undefined) return undefined;
      merged.push(translated);
    }
    return merged;
  };
}
