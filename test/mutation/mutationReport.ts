import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The part of Stryker's mutation-testing-report schema (github.com/stryker-mutator/mutation-testing-elements,
 * packages/report-schema) that the score check reads: per file, its source and its mutants' statuses.
 */
export const mutantStatuses = [
  'Killed',
  'Survived',
  'NoCoverage',
  'CompileError',
  'RuntimeError',
  'Timeout',
  'Ignored',
  'Pending',
] as const;

export type MutantStatus = (typeof mutantStatuses)[number];

const position = z.object({ line: z.number().int().min(1), column: z.number().int().min(1) });

const mutantSchema = z.object({
  id: z.string(),
  mutatorName: z.string(),
  status: z.enum(mutantStatuses),
  statusReason: z.string().optional(),
  location: z.object({ start: position, end: position }),
});

const reportSchema = z.object({
  schemaVersion: z
    .string()
    .regex(/^1(\.|$)/, 'only version 1 of the mutation-testing-report schema is supported'),
  files: z.record(
    z.string(),
    z.object({ language: z.string(), source: z.string(), mutants: z.array(mutantSchema) }),
  ),
});

export type MutationReport = z.infer<typeof reportSchema>;
export type ReportedMutant = z.infer<typeof mutantSchema>;

/** Validates a parsed report; throws an error naming the first offending field. */
export function parseMutationReport(json: unknown, origin: string): MutationReport {
  const result = reportSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `${origin} is not a mutation-testing report: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  return result.data;
}

export function readMutationReport(path: string): MutationReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the mutation report ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path} is not JSON: ${(error as Error).message}`);
  }
  return parseMutationReport(json, path);
}
