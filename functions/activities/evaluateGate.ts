import { activities } from '../../core/activities';
import { registerActivity } from './registerActivity';
import { phaseFolder } from '../../agents/runtime/agentContext';
import { gateFor } from '../../gates/catalog';
import type { GateActivityInput, GateActivityResult } from '../../core/workflowContracts';
import type { GateCriterion } from '../../core/ports/runStore';
import { composition } from '../compositionRoot';
import { stepContext } from './stepContext';
import { traceGate } from '../../telemetry';
import { indexArtifacts } from '../../runs/runState';

const maxFindings = 25;

/** Evaluates a phase's quality gate, stores the report as an artifact and records it in the run document. */
export async function evaluateGate(
  input: GateActivityInput,
  evaluatedAt = new Date(),
): Promise<GateActivityResult> {
  return traceGate(input, () => evaluate(input, evaluatedAt));
}

async function evaluate(input: GateActivityInput, evaluatedAt: Date): Promise<GateActivityResult> {
  const { artifacts, runs } = composition().ports;
  const gate = gateFor(input.phase);
  const ctx = await stepContext(artifacts, input, 'quality-gate');
  const criteria = await gate.evaluate(ctx);
  const passed = criteria.length > 0 && criteria.every((c) => c.passed);
  const report = await ctx.write({
    path: 'gate/report.json',
    kind: 'gate-report',
    contentType: 'application/json',
    content: JSON.stringify(
      { phase: input.phase, iteration: input.iteration, attempt: input.attempt, passed, criteria },
      null,
      2,
    ),
  });
  await ctx.write({
    path: 'gate/report.md',
    kind: 'gate-report',
    contentType: 'text/markdown',
    content: renderReport(input, passed, criteria),
  });
  await runs.update(input.tenantId, input.runId, (doc) => {
    indexArtifacts(doc, ctx.written());
    const key = (g: { phase: string; iteration: number; attempt: number }) =>
      `${g.phase}:${g.iteration}:${g.attempt}`;
    if (!doc.gates.some((g) => key(g) === key(input))) {
      doc.gates.push({
        phase: input.phase,
        iteration: input.iteration,
        attempt: input.attempt,
        passed,
        criteria,
        reportPath: report.path,
        at: evaluatedAt.toISOString(),
      });
    }
  });
  const findings = criteria
    .filter((c) => !c.passed)
    .flatMap((c) =>
      c.findings.length
        ? c.findings.map((f) => `${c.name}: ${f}`)
        : [`${c.name}: ${String(c.value)} (threshold ${String(c.threshold)})`],
    )
    .slice(0, maxFindings);
  return {
    passed,
    ...(criteria.some((c) => !c.passed && c.final) ? { final: true } : {}),
    criteria: criteria.map(({ name, passed: ok }) => ({ name, passed: ok })),
    findings,
    report,
  };
}

function renderReport(input: GateActivityInput, passed: boolean, criteria: GateCriterion[]): string {
  const rows = criteria.map(
    (c) =>
      `| ${c.passed ? 'pass' : 'FAIL'} | ${c.name} | ${String(c.value)} | ${String(c.threshold)} | ${c.findings.length} |`,
  );
  const details = criteria
    .filter((c) => c.findings.length)
    .map((c) => `### ${c.name}\n\n${c.findings.map((f) => `- ${f}`).join('\n')}`);
  return [
    `# Quality gate: ${input.phase} (iteration ${input.iteration}, attempt ${input.attempt})`,
    '',
    `Result: **${passed ? 'passed' : 'failed'}**`,
    '',
    '| result | criterion | value | threshold | findings |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    ...details,
    '',
    `Folder: ${phaseFolder(input.iteration, input.phase, input.attempt)}`,
  ].join('\n');
}

registerActivity(activities.evaluateGate, (input) => evaluateGate(input));
