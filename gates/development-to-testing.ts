import type { AgentContext } from '../core/agent';
import type { ChaosTestReport } from '../agents/development-to-testing/chaosEngineer';
import type { CodeReview } from '../agents/development-to-testing/codeReviewer';
import {
  generatedRequestsPerService,
  type ContractConformance,
} from '../agents/development-to-testing/contractTester';
import type { CoverageReport } from '../agents/development-to-testing/testCoverageValidator';
import type { LoadTestReport } from '../agents/development-to-testing/loadTester';
import { defaultExitCriteria } from '../agents/development-to-testing/qaEngineer';
import type { ServiceTestResults } from '../agents/development-to-testing/testAutomationEngineer';
import type { BrowserTestReport } from '../agents/development-to-testing/uiTester';
import { noFindings, type GateCriterion, type GateDefinition } from '../core/gate';
import type { ArtifactKind } from '../core/artifactKinds';

async function all<T>(ctx: AgentContext, kind: ArtifactKind): Promise<T[]> {
  const out: T[] = [];
  for (const input of ctx.inputs(kind)) if (input.ref.path.endsWith('.json')) out.push(await input.json<T>());
  return out;
}

/** Findings listed per service before the rest are only counted (the full list is in the service's report). */
const contractFindingsShown = 25;

/**
 * Every checked response (of the acceptance tests and the generated requests) conforms to the service's OpenAPI
 * document; the value is how many responses were checked, at least the generated ones per service.
 */
function contractCriterion(reports: ContractConformance['services']): GateCriterion {
  const findings = reports.flatMap((c) => [
    ...(c.error ? [`${c.service}: the contract check did not complete: ${c.error}`] : []),
    ...(c.generated.answered < generatedRequestsPerService
      ? [
          `${c.service}: ${c.generated.answered} of ${c.generated.sent} generated requests were answered (at least ${generatedRequestsPerService} must be)`,
        ]
      : []),
    ...c.findings
      .slice(0, contractFindingsShown)
      .map(
        (f) =>
          `${c.service}: ${f.operation} ${f.request} answered ${f.status} (${f.source}; ${f.validator}): ${f.message}`,
      ),
    ...(c.findings.length > contractFindingsShown
      ? [
          `${c.service}: ${c.findings.length - contractFindingsShown} more in testing/contract/${c.service}.json`,
        ]
      : []),
  ]);
  if (reports.length === 0) findings.push('no contract check was run');
  return {
    name: 'contract: responses checked against the OpenAPI documents (ajv and @cfworker/json-schema)',
    value: reports.reduce((sum, c) => sum + c.responses, 0),
    threshold: generatedRequestsPerService * Math.max(reports.length, 1),
    passed: findings.length === 0,
    findings,
  };
}

/**
 * Every screen of the web app and the PWA loaded in a browser, through the product's gateway, from the running
 * services: a client that cannot reach its services shows an alert instead of its list. Where no browser can run
 * confined (the Azure sandbox, a host without Chromium) the report says why and the criterion says it was not run.
 */
function browserCriterion(reports: BrowserTestReport[]): GateCriterion {
  const report = reports[reports.length - 1];
  const name = 'web app and PWA in a browser: every screen loads from its services';
  if (!report) return noFindings(name, ['no browser test of the clients was run']);
  if (report.skipped)
    return {
      name: `${name} (not run: ${report.skipped})`,
      value: 0,
      threshold: 0,
      passed: true,
      findings: [],
    };
  const findings = [
    ...(report.error ? [`the browser test did not complete: ${report.error}`] : []),
    ...report.screens.filter((s) => !s.ok).map((s) => `${s.client} ${s.screen} (${s.path}): ${s.detail}`),
    ...report.problems,
  ];
  if (!report.error && report.screens.length === 0) findings.push('no screen was opened');
  return {
    name,
    value: report.screens.filter((s) => s.ok).length,
    threshold: report.screens.length,
    passed: findings.length === 0,
    findings,
  };
}

/** The testing gate: every criterion lists specific findings a developer can act on. */
export const developmentToTestingGate: GateDefinition = {
  phase: 'development-to-testing',
  reads: [
    'test-results',
    'coverage',
    'code-review',
    'load-test',
    'chaos-test',
    'contract-conformance',
    'ui-test',
    'test-plan',
  ],
  async evaluate(ctx) {
    const plan = ctx.inputs('test-plan').length
      ? await ctx.inputJson<{ exitCriteria?: typeof defaultExitCriteria }>('test-plan')
      : undefined;
    const exit = { ...defaultExitCriteria, ...(plan?.exitCriteria ?? {}) };
    const results = await all<ServiceTestResults>(ctx, 'test-results');
    const coverage = await all<CoverageReport['services'][number]>(ctx, 'coverage');
    const reviews = await all<CodeReview['services'][number]>(ctx, 'code-review');
    const loads = await all<LoadTestReport['services'][number]>(ctx, 'load-test');
    const chaos = await all<ChaosTestReport['services'][number]>(ctx, 'chaos-test');
    const criteria: GateCriterion[] = [];

    const testFindings = results.flatMap((r) => [
      ...(r.tests === 0 && r.compiled ? [`${r.service}: no tests were run`] : []),
      ...r.failures.map(
        (f) =>
          `${r.service}: test "${f.name}" failed in ${f.file ?? 'n/a'}${f.location ? ` (${f.location})` : ''}: ${(f.message ?? '').split('\n')[0]}`,
      ),
    ]);
    if (results.length === 0) testFindings.push('no test results were produced');
    criteria.push(noFindings('failing tests', testFindings));

    const coverageFindings = coverage
      .filter((c) => !(c.lines.percent >= exit.lineCoverage))
      .map(
        (c) =>
          `${c.service}: line coverage ${c.lines.percent}% is below ${exit.lineCoverage}%${c.error ? ` (${c.error})` : ''}; least covered: ${[
            ...c.files,
          ]
            .sort((a, b) => a.linePercent - b.linePercent)
            .slice(0, 3)
            .map((f) => `${f.path} ${f.linePercent}%`)
            .join(', ')}`,
      );
    if (coverage.length === 0) coverageFindings.push('no coverage was measured');
    const lowest = coverage.length ? Math.min(...coverage.map((c) => c.lines.percent)) : 0;
    criteria.push({
      name: 'line coverage per service (lowest, %)',
      value: lowest,
      threshold: exit.lineCoverage,
      passed: coverageFindings.length === 0,
      findings: coverageFindings,
    });

    criteria.push(
      noFindings(
        'blocking review findings',
        reviews.flatMap((r) =>
          r.findings
            .filter((f) => f.blocking)
            .map((f) => `${r.service}: ${f.file}:${f.line} ${f.rule}: ${f.message}`),
        ),
      ),
    );

    const loadFindings = loads.flatMap((l) => {
      if (!l.result) return [`${l.service}: the load test did not complete: ${l.error ?? 'no result'}`];
      const found: string[] = [];
      if (l.result.errorRate > exit.maxErrorRate)
        found.push(
          `${l.service}: error rate ${(l.result.errorRate * 100).toFixed(2)}% under load exceeds ${exit.maxErrorRate * 100}% (statuses ${JSON.stringify(l.result.statusCounts)})`,
        );
      if (l.result.latencyMs.p95 > exit.p95LatencyMs)
        found.push(
          `${l.service}: p95 latency ${l.result.latencyMs.p95.toFixed(1)} ms exceeds ${exit.p95LatencyMs} ms`,
        );
      return found;
    });
    if (loads.length === 0) loadFindings.push('no load test was run');
    criteria.push(
      noFindings(
        `load: error rate <= ${exit.maxErrorRate * 100}% and p95 <= ${exit.p95LatencyMs} ms`,
        loadFindings,
      ),
    );

    const chaosFindings = chaos.flatMap((c) => [
      ...(c.error ? [`${c.service}: chaos run failed: ${c.error}`] : []),
      ...c.experiments
        .filter((e) => exit.chaos.includes(e.category) && !e.survived)
        .map((e) => `${c.service}: did not survive "${e.name}": ${e.observations.join('; ')}`),
    ]);
    if (chaos.length === 0) chaosFindings.push('no chaos test was run');
    criteria.push(noFindings('chaos: malformed requests and repository faults survived', chaosFindings));
    criteria.push(
      contractCriterion(await all<ContractConformance['services'][number]>(ctx, 'contract-conformance')),
    );
    criteria.push(browserCriterion(await all<BrowserTestReport>(ctx, 'ui-test')));
    return criteria;
  },
};
