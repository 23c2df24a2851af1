import { exclusionsIn } from './exclusions';
import { belowMinimum, moduleScores, type ModuleScore } from './moduleScores';
import type { MutationReport } from './mutationReport';

export interface ScoreCheck {
  /** The table of modules and the total, then the list of exclusions. */
  output: string[];
  /** One line per module (or the total) under the minimum and per exclusion without a reason; empty when it passes. */
  failures: string[];
}

const columns = ['module', 'mutants', 'killed', 'timeout', 'survived', 'no coverage', 'ignored', 'score'];

const formatScore = (score: number | undefined): string =>
  score === undefined ? 'n/a' : `${score.toFixed(2)}%`;

const cells = (row: ModuleScore): string[] => [
  row.module,
  ...[row.mutants, row.killed, row.timeout, row.survived, row.noCoverage, row.ignored].map(String),
  formatScore(row.score),
];

function table(rows: string[][]): string[] {
  const widths = columns.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  // Names align left, numbers right, as in Stryker's own clear-text table.
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[0]) : cell.padStart(widths[column])))
      .join(' | ');
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.slice(1).map(line)];
}

/** Holds every module of the report, and the total, to a minimum mutation score (percent). */
export function checkScores(report: MutationReport, minimum: number): ScoreCheck {
  const { modules, total } = moduleScores(report);
  const exclusions = exclusionsIn(report);
  const output = [
    ...table([columns, ...modules.map(cells), cells(total)]),
    '',
    exclusions.length === 0
      ? 'Excluded mutants: none (no `// Stryker disable` comment).'
      : `Excluded mutants (${exclusions.length} \`// Stryker disable\` comment(s)):`,
    ...exclusions.map(
      ({ file, line, scope, mutators, reason }) =>
        `  ${file}:${line} ${mutators.join(',')} (${scope}): ${reason ?? '(no reason given)'}`,
    ),
  ];
  const failures = [
    ...belowMinimum([...modules, total], minimum).map(
      ({ module, score, mutants, killed, timeout, survived, noCoverage, ignored }) =>
        `${module}: mutation score ${formatScore(score)} is under ${minimum}% ` +
        `(${mutants} mutants: ${killed} killed, ${timeout} timeout, ${survived} survived, ` +
        `${noCoverage} no coverage, ${ignored} ignored)`,
    ),
    ...exclusions
      .filter((exclusion) => exclusion.reason === undefined)
      .map(
        ({ file, line }) =>
          `${file}:${line}: a \`// Stryker disable\` comment must give its reason after a colon`,
      ),
  ];
  return { output, failures };
}
