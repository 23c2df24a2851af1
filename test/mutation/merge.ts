import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { mergeReports, type FullMutationReport } from './mergeReports';

/**
 * `node dist/test/mutation/merge.js <output> <report>...`: merges Stryker results gathered in module batches
 * (later reports win) into one file, for example the committed incremental file. Exit 2 on bad input.
 */
function read(path: string): FullMutationReport {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`cannot read the report ${path}: ${(error as Error).message}`);
  }
  const files = (json as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files))
    throw new Error(`${path} is not a mutation-testing report: it has no files`);
  return json as FullMutationReport;
}

function main(): void {
  const [output, ...inputs] = process.argv.slice(2);
  try {
    if (!output || inputs.length === 0) throw new Error('usage: merge.js <output> <report>...');
    const { report, dropped } = mergeReports(inputs.map(read));
    const temporary = `${output}.tmp`;
    writeFileSync(temporary, JSON.stringify(report));
    renameSync(temporary, output);
    const mutants = Object.values(report.files).reduce((sum, file) => sum + file.mutants.length, 0);
    process.stdout.write(`${output}: ${Object.keys(report.files).length} modules, ${mutants} mutants\n`);
    for (const [file, count] of Object.entries(dropped))
      process.stdout.write(
        `  ${file}: ${count} mutants left for Stryker to test again (their tests changed)\n`,
      );
  } catch (error) {
    process.stderr.write(`mutation report merge: ${(error as Error).message}\n`);
    process.exit(2);
  }
}

main();
