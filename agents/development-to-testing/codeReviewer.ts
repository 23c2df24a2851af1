import { z } from 'zod';
import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import { reviewSources } from '../blueprint/testing/codeReview';
import { loadServices } from '../../toolchain/testing/services';
import type { ArtifactKind } from '../../core/artifactKinds';
import { markdownAndJson } from '../runtime/reportFiles';

const findingSchema = z.object({
  rule: z.string(),
  severity: z.enum(['info', 'minor', 'major', 'critical']),
  blocking: z.boolean(),
  file: z.string(),
  line: z.number().int(),
  message: z.string(),
});

export const codeReviewSchema = z.object({
  services: z.array(
    z.object({
      service: z.string(),
      findings: z.array(findingSchema),
      blocking: z.boolean(),
      maxComplexity: z.object({ name: z.string(), file: z.string(), complexity: z.number() }),
      functions: z.number().int(),
    }),
  ),
  quality: z.object({
    verdict: z.enum(['pass', 'fail']),
    summary: z.array(
      z.object({
        service: z.string(),
        tests: z.string(),
        lineCoverage: z.string(),
        load: z.string(),
        chaos: z.string(),
        review: z.string(),
        bugs: z.number(),
      }),
    ),
  }),
});

export type CodeReview = z.infer<typeof codeReviewSchema>;

interface Keyed {
  service: string;
}

async function byService<T extends Keyed>(
  ctx: Parameters<AgentDefinition['blueprint']>[0],
  kind: ArtifactKind,
): Promise<Map<string, T>> {
  const map = new Map<string, T>();
  for (const input of ctx.inputs(kind)) {
    if (!input.ref.path.endsWith('.json')) continue;
    const value = await input.json<T>();
    if (value && typeof value === 'object' && 'service' in value) map.set(value.service, value);
  }
  return map;
}

export const codeReviewer: AgentDefinition<CodeReview> = {
  name: 'codeReviewer',
  role: 'Code Reviewer',
  phase: 'development-to-testing',
  purpose:
    'Reviews each service statically (complexity, lint rules, secrets, architecture) and writes the phase quality report.',
  uses: 'tools',
  reads: ['service-source', 'test-results', 'coverage', 'load-test', 'chaos-test', 'bug-report'],
  writes: ['code-review', 'quality-report'],
  output: codeReviewSchema,
  async blueprint(ctx) {
    const services: CodeReview['services'] = [];
    for (const service of await loadServices(ctx)) {
      const { findings, functions } = reviewSources(
        service.files.filter((f) => f.path.startsWith('src/') || f.path.startsWith('test/')),
      );
      const top = functions.reduce((a, b) => (b.complexity > a.complexity ? b : a), {
        name: '(none)',
        file: '',
        line: 0,
        complexity: 0,
      });
      services.push({
        service: service.slug,
        findings,
        blocking: findings.some((f) => f.blocking),
        maxComplexity: { name: top.name, file: top.file, complexity: top.complexity },
        functions: functions.length,
      });
    }
    const tests = await byService<Keyed & { tests: number; passed: number; failed: number }>(
      ctx,
      'test-results',
    );
    const coverage = await byService<Keyed & { lines: { percent: number }; passed: boolean }>(
      ctx,
      'coverage',
    );
    const load = await byService<Keyed & { result?: { errorRate: number; latencyMs: { p95: number } } }>(
      ctx,
      'load-test',
    );
    const chaos = await byService<Keyed & { survived: number; total: number }>(ctx, 'chaos-test');
    const bugReport = ctx.inputs('bug-report').length
      ? await ctx.inputJson<{ bugs?: Array<{ service: string }> }>('bug-report')
      : { bugs: [] };
    const summary = services.map((s) => {
      const t = tests.get(s.service);
      const c = coverage.get(s.service);
      const l = load.get(s.service)?.result;
      const x = chaos.get(s.service);
      return {
        service: s.service,
        tests: t ? `${t.passed}/${t.tests} passed` : 'not run',
        lineCoverage: c ? `${c.lines.percent}%` : 'not measured',
        load: l
          ? `p95 ${Math.round(l.latencyMs.p95 * 10) / 10} ms, error rate ${(l.errorRate * 100).toFixed(2)}%`
          : 'not run',
        chaos: x ? `${x.survived}/${x.total} survived` : 'not run',
        review: `${s.findings.length} finding(s)${s.blocking ? ', blocking' : ''}`,
        bugs: (bugReport.bugs ?? []).filter((b) => b.service === s.service).length,
      };
    });
    const failing =
      services.some((s) => s.blocking) ||
      [...tests.values()].some((t) => t.failed > 0) ||
      [...coverage.values()].some((c) => !c.passed);
    return { services, quality: { verdict: failing ? 'fail' : 'pass', summary } };
  },
  artifacts(output) {
    const md = [
      '# Quality report',
      '',
      `Verdict: **${output.quality.verdict}**`,
      '',
      '| Service | Tests | Line coverage | Load | Chaos | Review | Bugs |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...output.quality.summary.map(
        (s) =>
          `| ${s.service} | ${s.tests} | ${s.lineCoverage} | ${s.load} | ${s.chaos} | ${s.review} | ${s.bugs} |`,
      ),
      '',
      '## Review findings',
      '',
      ...output.services.flatMap((s) =>
        s.findings.length
          ? s.findings.map(
              (f) =>
                `- ${s.service} ${f.file}:${f.line} [${f.severity}${f.blocking ? ', blocking' : ''}] ${f.rule}: ${f.message}`,
            )
          : [
              `- ${s.service}: none (highest complexity ${s.maxComplexity.complexity} in ${s.maxComplexity.name})`,
            ],
      ),
      '',
    ].join('\n');
    return [
      ...output.services.map((s): ArtifactFile => ({
        path: `testing/review/${s.service}.json`,
        kind: 'code-review',
        contentType: 'application/json',
        content: JSON.stringify(s, null, 2) + '\n',
      })),
      ...markdownAndJson('testing/quality-report', 'quality-report', md, output.quality),
    ];
  },
};
