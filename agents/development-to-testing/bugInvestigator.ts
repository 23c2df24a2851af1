import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import type { ServiceTestResults } from './testAutomationEngineer';
import { markdownAndJson } from '../runtime/reportFiles';

export const bugReportSchema = z.object({
  bugs: z.array(
    z.object({
      service: z.string(),
      test: z.string(),
      file: z.string().nullable(),
      location: z.string().optional(),
      error: z.string(),
      likelyCause: z.string(),
      suspectFiles: z.array(z.string()),
      recommendation: z.string(),
    }),
  ),
});

export type BugReport = z.infer<typeof bugReportSchema>;

/** Which source layer a failure points at, from the failing test's message and the operation it exercised. */
function diagnose(failure: ServiceTestResults['failures'][number]): {
  cause: string;
  suspects: string[];
  fix: string;
} {
  const message = failure.message ?? '';
  const status = /(\d{3}) !== (\d{3})|expected (\d{3})|status (\d{3})/.exec(message);
  if (failure.name === 'compile') {
    return {
      cause: 'The service does not compile.',
      suspects: [],
      fix: 'Fix the type errors listed in the message.',
    };
  }
  if (/Location|201|status/i.test(message) && status) {
    return {
      cause: `The HTTP layer answered a different status than the contract requires (${message.split('\n')[0]}).`,
      suspects: ['src/api/routes.ts', 'src/api/server.ts'],
      fix: 'Make the handler for this operation return the status, headers and body the OpenAPI document declares.',
    };
  }
  if (/ValidationError|invalid input|must be/.test(message)) {
    return {
      cause: 'A domain validation rule refuses valid input or accepts invalid input.',
      suspects: ['src/domain/rules.ts'],
      fix: 'Align the attribute rules with the domain model (types, bounds, formats).',
    };
  }
  if (/Transition|allowed/.test(message)) {
    return {
      cause: 'A lifecycle transition does not follow allowedFrom/transitionTo.',
      suspects: ['src/domain/'],
      fix: 'Check the command functions of the entity.',
    };
  }
  return {
    cause: `Assertion failed: ${message.split('\n')[0]}`,
    suspects: failure.location ? [failure.location.split(':')[0]] : [],
    fix: 'Reproduce with the named test and correct the behaviour it asserts.',
  };
}

export const bugInvestigator: AgentDefinition<BugReport> = {
  name: 'bugInvestigator',
  role: 'Bug Investigator',
  phase: 'development-to-testing',
  purpose:
    'Turns failing tests into bug reports with the likely root cause and a fix recommendation; empty when everything passed.',
  uses: 'compiler',
  reads: ['test-results', 'service-source'],
  writes: ['bug-report'],
  output: bugReportSchema,
  async blueprint(ctx) {
    const bugs: BugReport['bugs'] = [];
    for (const input of ctx.inputs('test-results')) {
      const results = await input.json<ServiceTestResults>();
      for (const failure of results.failures) {
        const { cause, suspects, fix } = diagnose(failure);
        bugs.push({
          service: results.service,
          test: failure.name,
          file: failure.file,
          location: failure.location,
          error: failure.message ?? '',
          likelyCause: cause,
          suspectFiles: suspects,
          recommendation: fix,
        });
      }
    }
    return { bugs };
  },
  artifacts(report) {
    const md = [
      '# Bug report',
      '',
      report.bugs.length === 0 ? 'All tests passed: no bugs.' : `${report.bugs.length} failing test(s).`,
      '',
      ...report.bugs.map((b) =>
        [
          `## ${b.service}: ${b.test}`,
          `- Test file: ${b.file ?? 'n/a'}${b.location ? ` (${b.location})` : ''}`,
          `- Error: ${b.error.split('\n')[0]}`,
          `- Likely cause: ${b.likelyCause}`,
          `- Suspect files: ${b.suspectFiles.join(', ') || 'n/a'}`,
          `- Recommendation: ${b.recommendation}`,
          '',
        ].join('\n'),
      ),
    ].join('\n');
    return markdownAndJson('testing/bug-report', 'bug-report', md, report);
  },
};

/** Feedback lines for the Backend Developer: one per bug, naming the test, its file and the suspect sources. */
export function bugFeedback(report: BugReport): string[] {
  return report.bugs.map(
    (b) =>
      `[${b.service}] failing test "${b.test}" in ${b.file ?? 'n/a'}${b.location ? ` at ${b.location}` : ''}: ${b.error.split('\n')[0]}. Likely cause: ${b.likelyCause} Suspect files: ${b.suspectFiles.join(', ') || 'n/a'}. ${b.recommendation}`,
  );
}
