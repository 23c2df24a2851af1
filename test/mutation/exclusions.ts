import type { MutationReport } from './mutationReport';

/** A `// Stryker disable` comment: mutants its mutators would make on the lines it covers are not tested. */
export interface Exclusion {
  file: string;
  line: number;
  /** `next-line` covers the following line; without it, the rest of the file or up to `// Stryker restore`. */
  scope: 'next-line' | 'until-restore';
  mutators: string[];
  reason: string | undefined;
}

// Stryker's directive syntax: `// Stryker disable [next-line] <mutator>[,<mutator>...|all][: reason]`.
const directive = /\/\/\s*Stryker\s+disable(\s+next-line)?\s+([\w,\s]+?)\s*(?::\s*(.*?))?\s*$/;

/** Every exclusion written in the sources of the report's files, in file and line order. */
export function exclusionsIn(report: MutationReport): Exclusion[] {
  return Object.entries(report.files)
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([file, { source }]) =>
      source.split(/\r?\n/).flatMap((text, index): Exclusion[] => {
        const match = directive.exec(text);
        if (!match) return [];
        return [
          {
            file,
            line: index + 1,
            scope: match[1] ? 'next-line' : 'until-restore',
            mutators: match[2].split(',').map((name) => name.trim()),
            reason: match[3] || undefined,
          },
        ];
      }),
    );
}
