import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { contextOperations } from '../../toolchain/apiConventions';
import { domainModelSchema, type DomainModel } from '../../toolchain/schemas/domainModel';
import { markdownText } from '../../toolchain/escaping/markdownText';
import { markdownAndJson } from '../runtime/reportFiles';

const taskSchema = z.object({
  id: z.string(),
  stream: z.enum(['backend', 'frontend', 'mobile', 'infrastructure', 'database']),
  context: z.string().optional(),
  title: z.string(),
  description: z.string(),
  dependsOn: z.array(z.string()),
  estimate: z.enum(['S', 'M', 'L']),
});

export const developmentPlanSchema = z.object({
  product: z.string(),
  streams: z.array(
    z.object({ stream: taskSchema.shape.stream, owner: z.string(), tasks: z.array(taskSchema) }),
  ),
  codingStandards: z.array(z.string()).min(1),
  definitionOfDone: z.array(z.string()).min(1),
  notes: z.array(z.string()),
});

export type DevelopmentPlan = z.infer<typeof developmentPlanSchema>;
type Task = z.infer<typeof taskSchema>;

const owners = {
  backend: 'Backend Developer',
  frontend: 'Frontend Developer',
  mobile: 'Mobile Developer',
  infrastructure: 'Infrastructure Engineer',
  database: 'Database Architect',
} as const;

function planFor(model: DomainModel, hasArchitecture: boolean): DevelopmentPlan {
  const tasks: Task[] = [
    {
      id: 'infra-1',
      stream: 'infrastructure',
      title: 'Provision the runtime',
      description:
        'Bicep modules for the container apps environment, identity, monitoring and one app per service.',
      dependsOn: [],
      estimate: 'M',
    },
  ];
  for (const context of model.contexts) {
    const ops = contextOperations(context);
    const dependsOnContexts = context.dependsOn
      .map((name) => model.contexts.find((c) => c.name === name)?.slug)
      .filter(Boolean);
    tasks.push(
      {
        id: `db-${context.slug}`,
        stream: 'database',
        context: context.name,
        title: `Schema for ${context.name}`,
        description: `Tables, constraints and migrations for ${context.entities.map((e) => e.name).join(', ')}.`,
        dependsOn: [],
        estimate: 'S',
      },
      {
        id: `be-${context.slug}-domain`,
        stream: 'backend',
        context: context.name,
        title: `${context.name} domain and use cases`,
        description: `Entities with invariants and lifecycles (${context.commands.map((c) => c.name).join(', ') || 'no commands'}), use cases per operation, unit tests.`,
        dependsOn: [],
        estimate: context.entities.length > 2 ? 'L' : 'M',
      },
      {
        id: `be-${context.slug}-api`,
        stream: 'backend',
        context: context.name,
        title: `${context.name} HTTP API`,
        description: `Implement the ${ops.length} operations of api/${context.slug}.openapi.json with problem+json errors, plus integration tests.`,
        dependsOn: [`be-${context.slug}-domain`, ...dependsOnContexts.map((slug) => `be-${slug}-api`)],
        estimate: 'M',
      },
      {
        id: `fe-${context.slug}`,
        stream: 'frontend',
        context: context.name,
        title: `${context.name} screens`,
        description: `List, detail and form views for ${context.entities.map((e) => e.plural).join(', ')} on the generated API client.`,
        dependsOn: [`be-${context.slug}-api`],
        estimate: 'M',
      },
      {
        id: `mob-${context.slug}`,
        stream: 'mobile',
        context: context.name,
        title: `${context.name} mobile flows`,
        description: 'The same flows for the mobile app, offline-tolerant reads.',
        dependsOn: [`be-${context.slug}-api`],
        estimate: 'M',
      },
    );
  }
  const streams = (Object.keys(owners) as Array<keyof typeof owners>).map((stream) => ({
    stream,
    owner: owners[stream],
    tasks: tasks.filter((t) => t.stream === stream),
  }));
  return {
    product: model.product.name,
    streams,
    codingStandards: [
      'TypeScript strict mode; no `any`; no unused locals.',
      'Clean Architecture layers: domain imports nothing; application imports domain only; api and infrastructure are adapters.',
      'Services use Node.js built-ins at runtime (node:http, node:crypto) and the PostgreSQL driver pg, nothing else; data lives in PostgreSQL (DATABASE_URL), each changing request in one transaction.',
      'HTTP follows the OpenAPI documents exactly: paths, operation ids, status codes, problem+json errors.',
      'Every function stays under cyclomatic complexity 10; no secrets in source, configuration comes from the environment.',
      'Tests with node:test and node:assert: unit tests for domain and use cases, integration tests over loopback HTTP; at least 80% line coverage.',
    ],
    definitionOfDone: [
      'Type-checks with zero diagnostics.',
      'Every OpenAPI operation has a handler.',
      'All tests pass in the sandbox and line coverage is at least 80%.',
    ],
    notes: hasArchitecture
      ? ['Deployment topology follows the solution architecture.']
      : ['No solution architecture was given; one service per bounded context is assumed.'],
  };
}

function markdown(plan: DevelopmentPlan): string {
  const lines = [`# Development plan: ${markdownText(plan.product)}`, ''];
  for (const stream of plan.streams) {
    lines.push(
      `## ${stream.stream} (${stream.owner})`,
      '',
      '| Task | Title | Depends on | Size |',
      '| --- | --- | --- | --- |',
    );
    for (const task of stream.tasks)
      lines.push(`| ${task.id} | ${task.title} | ${task.dependsOn.join(', ') || '-'} | ${task.estimate} |`);
    lines.push('');
  }
  lines.push(
    '## Coding standards',
    '',
    ...plan.codingStandards.map((s) => `- ${s}`),
    '',
    '## Definition of done',
    '',
  );
  lines.push(...plan.definitionOfDone.map((s) => `- ${s}`), '', ...plan.notes.map((n) => `> ${n}`), '');
  return lines.join('\n');
}

export const techLead: AgentDefinition<DevelopmentPlan> = {
  name: 'techLead',
  role: 'Tech Lead',
  phase: 'architecture-to-development',
  purpose:
    'Splits the architecture into work streams with tasks per bounded context, dependencies and coding standards.',
  uses: 'compiler',
  reads: ['domain-model', 'openapi', 'solution-architecture'],
  writes: ['development-plan'],
  output: developmentPlanSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    return planFor(model, ctx.inputs('solution-architecture').length > 0);
  },
  artifacts(plan) {
    return markdownAndJson('plan/development-plan', 'development-plan', markdown(plan), plan);
  },
};
