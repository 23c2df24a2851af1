import type { MutationReport, MutantStatus } from './mutationReport';

/** Mutant counts of one module and its mutation score, counted as Stryker counts them. */
export interface ModuleScore {
  module: string;
  mutants: number;
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  ignored: number;
  /** Mutants that did not compile or crashed the runtime: not valid, so outside the score. */
  invalid: number;
  /** Percentage of detected (killed or timed out) among valid, not ignored mutants; undefined when there are none. */
  score: number | undefined;
}

function scoreOf(module: string, statuses: readonly MutantStatus[]): ModuleScore {
  const count = (...wanted: MutantStatus[]) => statuses.filter((status) => wanted.includes(status)).length;
  const killed = count('Killed');
  const timeout = count('Timeout');
  const survived = count('Survived');
  const noCoverage = count('NoCoverage');
  const pending = count('Pending');
  if (pending > 0)
    throw new Error(`${module}: ${pending} mutant(s) still Pending; the report is not complete`);
  const detected = killed + timeout;
  const scored = detected + survived + noCoverage;
  return {
    module,
    mutants: statuses.length,
    killed,
    timeout,
    survived,
    noCoverage,
    ignored: count('Ignored'),
    invalid: count('CompileError', 'RuntimeError'),
    score: scored === 0 ? undefined : (detected / scored) * 100,
  };
}

/** One row per file of the report (sorted by path), and the total over all of them. */
export function moduleScores(report: MutationReport): { modules: ModuleScore[]; total: ModuleScore } {
  const modules = Object.entries(report.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([module, file]) =>
      scoreOf(
        module,
        file.mutants.map((mutant) => mutant.status),
      ),
    );
  const all = Object.values(report.files).flatMap((file) => file.mutants.map((mutant) => mutant.status));
  return { modules, total: scoreOf('total', all) };
}

/** Modules (and the total) whose score is under the minimum; a module without scored mutants has nothing to miss. */
export function belowMinimum(scores: readonly ModuleScore[], minimum: number): ModuleScore[] {
  return scores.filter((score) => score.score !== undefined && score.score < minimum);
}
