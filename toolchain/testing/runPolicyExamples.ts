import type { Sandbox } from '../../core/ports/sandbox';
import { nodeHeapLimitArgs, nodePermissionArgs } from '../../platform/sandbox/localProcessSandbox';
import { checkPolicyBody, compiledPolicy, examplesProgram, examplesReport } from '../backend/rulePolicies';
import type { ServiceEntity } from '../backend/model';
import type { PlannedRule } from '../backend/rulePlan';

// A few examples take milliseconds; a body that loops is stopped soon.
const limits = { timeoutMs: 10_000, cpuSeconds: 3, maxOutputBytes: 256 * 1024 };

/**
 * Compiles a policy body the model wrote and runs it on the rule's examples in the sandbox (the body is untrusted
 * code). Says whether it compiles in its slot (only then does it run) and what went wrong, as the model should
 * read it: compiler errors, escapes from the slot, or each example the function answered wrongly; no problems when
 * the body keeps every example.
 */
export async function runPolicyExamples(
  sandbox: Sandbox,
  entity: ServiceEntity,
  rule: PlannedRule,
  body: string,
): Promise<{ compiles: boolean; problems: string[] }> {
  if (rule.check.kind !== 'policy') throw new Error(`rule ${rule.id} is not checked by a policy`);
  const problems = checkPolicyBody(entity, rule, body);
  if (problems.length > 0)
    return { compiles: false, problems: problems.map((p) => `does not compile: ${p}`) };
  const { examples } = rule.check;
  const result = await sandbox.run({
    files: [
      { path: 'policy.js', content: compiledPolicy(entity, rule, body) },
      { path: 'check.js', content: examplesProgram(entity, rule.id, examples) },
    ],
    command: [process.execPath, ...nodeHeapLimitArgs(), ...nodePermissionArgs(), 'check.js'],
    ...limits,
  });
  const last = result.stdout.trim().split('\n').at(-1) ?? '';
  let results: Array<{ returned?: unknown; threw?: string }>;
  try {
    results = JSON.parse(last) as typeof results;
  } catch {
    const why = result.timedOut
      ? `it did not finish within ${limits.timeoutMs / 1000} s`
      : `exit ${result.exitCode}`;
    return {
      compiles: true,
      problems: [
        `the examples did not run (${why}): ${result.stderr.trim().split('\n').slice(-5).join(' | ')}`,
      ],
    };
  }
  return { compiles: true, problems: examplesReport(examples, results) };
}
