import { readFileSync } from 'node:fs';
import { readMutationReport } from './mutationReport';
import { checkScores } from './scoreCheck';

/**
 * `node dist/test/mutation/run.js [report] [stryker config]`: Stryker's `break` threshold applies to the overall
 * score only, so every module of the report is held to it here as well. Exit 1 when one is under it, 2 on bad input.
 */
function minimumFrom(configPath: string): number {
  let config: { thresholds?: { break?: unknown } };
  try {
    config = JSON.parse(readFileSync(configPath, 'utf8')) as typeof config;
  } catch (error) {
    throw new Error(`cannot read the Stryker configuration ${configPath}: ${(error as Error).message}`);
  }
  const minimum = config.thresholds?.break;
  if (typeof minimum !== 'number' || !(minimum > 0 && minimum <= 100))
    throw new Error(
      `${configPath}: thresholds.break must be a number in (0, 100], found ${JSON.stringify(minimum)}`,
    );
  return minimum;
}

function main(): void {
  const [reportPath = 'reports/mutation/mutation.json', configPath = 'stryker.config.json'] =
    process.argv.slice(2);
  let check;
  try {
    check = checkScores(readMutationReport(reportPath), minimumFrom(configPath));
  } catch (error) {
    process.stderr.write(`mutation score check: ${(error as Error).message}\n`);
    process.exit(2);
  }
  process.stdout.write(`${check.output.join('\n')}\n`);
  if (check.failures.length > 0) {
    process.stderr.write(`\n${check.failures.join('\n')}\n`);
    process.exit(1);
  }
}

main();
