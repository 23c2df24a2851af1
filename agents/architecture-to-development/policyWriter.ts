import { z } from 'zod';
import type { AgentContext, CodeSlot, SlotWriterAgentDefinition } from '../../core/agent';
import { serviceModel, type ServiceEntity } from '../../toolchain/backend/model';
import type { PlannedRule } from '../../toolchain/backend/rulePlan';
import { policyFunction, recordType } from '../../toolchain/backend/rulePolicies';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { runPolicyExamples } from '../../toolchain/testing/runPolicyExamples';
import { markdownAndJson } from '../runtime/reportFiles';

const policySchema = z.object({
  ruleId: z.string(),
  context: z.string(),
  entity: z.string(),
  text: z.string(),
  function: z.string(),
  /**
   * What the service compiles: the model's last body when it compiled in its slot (passed or not: a failing one
   * fails the product's tests), otherwise a body that refuses every record.
   */
  body: z.string(),
  passed: z.boolean(),
  /** Every answer, as written, and what its check said. */
  attempts: z.array(z.object({ body: z.string(), passed: z.boolean(), report: z.string() })),
});

export const policySourceSchema = z.object({ policies: z.array(policySchema) });

export type PolicySource = z.infer<typeof policySourceSchema>;

/** Compiled in when no answer compiled in its slot: the rule refuses every record until a body does. */
const refuseEverything = [
  '// No answer of the model compiled in this slot (policies/policies.md says why): every record is refused.',
  'return false;',
].join('\n');

interface PolicyRule {
  context: string;
  entity: ServiceEntity;
  rule: PlannedRule;
}

/** Read once per agent context: the slots, each check of the fix loop and the assembly all ask. */
const rulesOfContext = new WeakMap<AgentContext, Promise<PolicyRule[]>>();

/** Every rule of the domain model checked by a policy function, with the entity whose record it reads. */
function policyRules(ctx: AgentContext): Promise<PolicyRule[]> {
  let rules = rulesOfContext.get(ctx);
  if (!rules) rulesOfContext.set(ctx, (rules = readPolicyRules(ctx)));
  return rules;
}

async function readPolicyRules(ctx: AgentContext): Promise<PolicyRule[]> {
  const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
  return model.contexts.flatMap((context) => {
    const service = serviceModel(context, model.product.slug);
    return service.rules.enforced
      .filter((rule) => rule.check.kind === 'policy')
      .map((rule) => ({
        context: context.name,
        entity: service.entities.find((e) => e.name === rule.hook)!,
        rule,
      }));
  });
}

const system = [
  'You write the body of one TypeScript function that decides whether a record keeps a business rule.',
  'Answer with the statements of the function body only: no signature, no imports, no declarations outside it.',
  "The body reads only its parameter `record` and the language's own values (Math, Number, String, Date, RegExp,",
  'Array, JSON, Set, Map); it returns true when the record keeps the rule and false when the rule refuses it. It',
  'must be deterministic and must not throw for any record of the type shown. Optional fields may be undefined.',
].join(' ');

function slotFor({ entity, rule }: PolicyRule): CodeSlot {
  if (rule.check.kind !== 'policy') throw new Error(`rule ${rule.id} is not a policy`);
  const examples = rule.check.examples.map(
    (e, i) =>
      `${i + 1}. ${Object.entries(e.values)
        .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
        .join(', ')}: ${e.allowed ? 'allowed (true)' : 'refused (false)'}, because ${e.why}`,
  );
  return {
    id: rule.id,
    system,
    user: [
      `Rule ${rule.id}: "${rule.text}"`,
      '',
      'The record:',
      '```ts',
      recordType(entity).trimEnd(),
      '```',
      '',
      'The function:',
      '```ts',
      `function ${policyFunction(rule.id)}(record: Readonly<${entity.name}>): boolean {`,
      '  // your statements',
      '}',
      '```',
      '',
      'It must answer these examples as given (fields not listed hold valid values):',
      ...examples,
    ].join('\n'),
  };
}

export const policyWriter: SlotWriterAgentDefinition<PolicySource> = {
  name: 'policyWriter',
  role: 'Policy Writer',
  phase: 'architecture-to-development',
  purpose:
    'Writes, with the language model, the body of the policy function of each rule no compiler can type, tested against the rule’s examples in the sandbox until it keeps them.',
  uses: 'slots',
  deployment: 'code',
  promptVersion: '1.0.0',
  maxAttempts: 3,
  reads: ['domain-model'],
  writes: ['policy-source'],
  output: policySourceSchema,
  async slots(ctx) {
    return (await policyRules(ctx)).map(slotFor);
  },
  async check(slot, body, ctx) {
    const found = (await policyRules(ctx)).find((p) => p.rule.id === slot.id);
    if (!found) throw new Error(`no policy rule ${slot.id} in the domain model`);
    const { compiles, problems } = await runPolicyExamples(ctx.sandbox(), found.entity, found.rule, body);
    return { passed: problems.length === 0, report: problems.join('\n'), usable: compiles };
  },
  async assemble(results, ctx) {
    const rules = new Map((await policyRules(ctx)).map((p) => [p.rule.id, p]));
    return {
      policies: results.map(({ slot, attempts }) => {
        const { context, entity, rule } = rules.get(slot.id)!;
        const last = attempts.at(-1)!;
        return {
          ruleId: rule.id,
          context,
          entity: entity.name,
          text: rule.text,
          function: policyFunction(rule.id),
          body: last.check.usable ? last.body : refuseEverything,
          passed: last.check.passed,
          attempts: attempts.map(({ body, check }) => ({ body, passed: check.passed, report: check.report })),
        };
      }),
    };
  },
  async blueprint(ctx) {
    const rules = await policyRules(ctx);
    if (rules.length === 0) return { policies: [] };
    // The blueprint engine never types a rule as a policy; a domain model that has some came from a model.
    throw new Error(
      `rules ${rules.map((r) => r.rule.id).join(', ')} are checked by policy functions, which only a language model writes (--model azure-openai)`,
    );
  },
  artifacts(output) {
    const markdown = [
      '# Policies written by the language model',
      '',
      ...(output.policies.length === 0
        ? ['No rule needs a policy: every rule of the domain model is typed.']
        : []),
      ...output.policies.flatMap((p) => [
        `## ${p.ruleId}: ${p.text}`,
        '',
        `${p.passed ? 'Keeps' : 'Does NOT keep'} its examples after ${p.attempts.length} answer(s).`,
        '',
        ...p.attempts.flatMap((a, i) => [
          `### Answer ${i + 1}: ${a.passed ? 'passed' : 'failed'}`,
          '',
          '```ts',
          a.body,
          '```',
          '',
          ...(a.passed ? [] : ['```text', a.report, '```', '']),
        ]),
        '### Compiled into the service',
        '',
        '```ts',
        p.body,
        '```',
        '',
      ]),
    ].join('\n');
    return markdownAndJson('policies/policies', 'policy-source', markdown, output);
  },
};
