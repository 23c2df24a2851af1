import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { contextOperations } from '../../toolchain/apiConventions';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

export const testPlanSchema = z.object({
  product: z.string(),
  levels: z.array(z.object({ level: z.string(), scope: z.string(), tool: z.string() })),
  services: z.array(
    z.object({
      service: z.string(),
      operations: z.number().int(),
      commands: z.array(z.string()),
      risks: z.array(z.string()),
    }),
  ),
  exitCriteria: z.object({
    allTestsPass: z.boolean(),
    lineCoverage: z.number(),
    maxErrorRate: z.number(),
    p95LatencyMs: z.number(),
    chaos: z.array(z.string()),
  }),
});

export type TestPlan = z.infer<typeof testPlanSchema>;

/** The thresholds the gate applies; the plan states them so every later agent reads the same numbers. */
export const defaultExitCriteria = {
  allTestsPass: true,
  lineCoverage: 80,
  maxErrorRate: 0.01,
  p95LatencyMs: 250,
  chaos: ['malformed-request', 'repository'],
};

export const qaEngineer: AgentDefinition<TestPlan> = {
  name: 'qaEngineer',
  role: 'QA Engineer',
  phase: 'development-to-testing',
  purpose:
    'Writes the test plan: levels, scope per service, risks and the exit criteria of the testing gate.',
  uses: 'compiler',
  reads: ['domain-model', 'openapi', 'backlog'],
  writes: ['test-plan'],
  output: testPlanSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    return {
      product: model.product.name,
      levels: [
        { level: 'unit', scope: 'domain rules and use cases', tool: 'node:test' },
        {
          level: 'integration',
          scope: 'HTTP API over loopback, every operation and error path',
          tool: 'node:test',
        },
        { level: 'contract', scope: 'responses against each OpenAPI document', tool: 'generated node:test' },
        { level: 'acceptance', scope: 'user stories as Gherkin features', tool: 'feature files' },
        { level: 'load', scope: 'create/get/list at concurrency 10', tool: 'sandboxed load driver' },
        {
          level: 'chaos',
          scope: 'malformed requests, slow/failing repository, kill and restart',
          tool: 'sandboxed chaos driver',
        },
      ],
      services: model.contexts.map((context) => ({
        service: context.slug,
        operations: contextOperations(context).length,
        commands: context.commands.map((c) => c.name),
        risks: [
          ...context.entities.flatMap((e) =>
            e.attributes.filter((a) => a.unique).map((a) => `${e.name}.${a.name} must stay unique`),
          ),
          ...context.commands
            .filter((c) => c.allowedFrom?.length)
            .map((c) => `${c.name} only from ${c.allowedFrom?.join('/')}`),
        ],
      })),
      exitCriteria: defaultExitCriteria,
    };
  },
  artifacts(plan) {
    return [
      {
        path: 'testing/test-plan.json',
        kind: 'test-plan',
        contentType: 'application/json',
        content: JSON.stringify(plan, null, 2) + '\n',
      },
    ];
  },
};
