import { z } from 'zod';
import type { AgentContext, AgentDefinition } from '../../core/agent';
import { contractTestSource, operationsOf } from '../blueprint/testing/contractTests';
import { backlogSchema, type Story } from '../../toolchain/schemas/backlog';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

export const testCasesSchema = z.object({
  services: z.array(
    z.object({
      slug: z.string(),
      operations: z.number().int(),
      files: z.array(z.object({ path: z.string(), content: z.string() })),
    }),
  ),
});

export type TestCases = z.infer<typeof testCasesSchema>;

/** The JSON part of the backlog (the artifact kind also holds the Markdown and the epics' feature files). */
async function backlogStories(ctx: AgentContext): Promise<Story[]> {
  const json = ctx.inputs('backlog').filter((input) => input.ref.path.endsWith('.json'));
  if (json.length === 0) return [];
  const parsed = backlogSchema.safeParse(await json[json.length - 1].json());
  return parsed.success ? parsed.data.stories : [];
}

function steps(keyword: string, lines: string[]): string[] {
  return lines.map((line, index) => `    ${index === 0 ? keyword : 'And'} ${line}`);
}

/**
 * Gherkin for one entity: each user story's own acceptance scenarios (tagged with the story id), then the API
 * behaviour every entity has (create, refuse invalid input, each lifecycle command).
 */
function featureFor(
  entity: { name: string; plural: string; states?: string[] },
  stories: Story[],
  commands: Array<{ name: string; transitionTo?: string; allowedFrom?: string[] }>,
): string {
  const lines = [`Feature: ${entity.plural}`, `  Manage ${entity.plural.toLowerCase()} through the API.`, ''];
  for (const story of stories) {
    lines.push(`  # ${story.id}: ${story.text}`);
    for (const scenario of story.acceptanceCriteria) {
      lines.push(`  @${story.id} @${scenario.kind}`, `  Scenario: ${scenario.name}`);
      lines.push(
        ...steps('Given', scenario.given),
        ...steps('When', scenario.when),
        ...steps('Then', scenario.then),
        '',
      );
    }
  }
  lines.push(
    `  Scenario: Create a ${entity.name.toLowerCase()}`,
    `    Given a valid ${entity.name} body`,
    `    When it is posted to the ${entity.plural} collection`,
    `    Then the answer is 201 with a Location header`,
    '',
    `  Scenario: Refuse an invalid ${entity.name.toLowerCase()}`,
    `    Given a ${entity.name} body without its required fields`,
    `    When it is posted`,
    `    Then the answer is 400 and lists each missing field`,
    '',
  );
  for (const command of commands) {
    if (!command.transitionTo) continue;
    lines.push(
      `  Scenario: ${command.name}`,
      `    Given a ${entity.name.toLowerCase()} in state ${command.allowedFrom?.[0] ?? entity.states?.[0] ?? 'any'}`,
      `    When ${command.name} is requested`,
      `    Then its status is ${command.transitionTo}`,
      '',
    );
  }
  return lines.join('\n');
}

export const testGenerator: AgentDefinition<TestCases> = {
  name: 'testGenerator',
  role: 'Test Generator',
  phase: 'development-to-testing',
  purpose:
    'Derives API contract tests from the OpenAPI documents and BDD features from the user stories, to run with each service.',
  uses: 'compiler',
  reads: ['domain-model', 'openapi', 'service-source', 'backlog', 'test-plan'],
  writes: ['test-case'],
  output: testCasesSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const stories = await backlogStories(ctx);
    const services: TestCases['services'] = [];
    for (const input of ctx.inputs('openapi')) {
      const slug = /api\/([a-z0-9-]+)\.openapi\.json$/.exec(input.ref.path)?.[1];
      const context = model.contexts.find((c) => c.slug === slug);
      if (!slug || !context) continue;
      const doc = await input.json<Record<string, unknown>>();
      const files = [
        {
          path: `test/contract/${slug}.contract.test.ts`,
          content: contractTestSource(doc, `${context.name} service`),
        },
      ];
      for (const entity of context.entities) {
        const own = stories.filter((s) => s.entity === entity.name);
        files.push({
          path: `features/${entity.slug}.feature`,
          content: featureFor(
            entity,
            own,
            context.commands.filter((c) => c.entity === entity.name),
          ),
        });
      }
      services.push({ slug, operations: operationsOf(doc).length, files });
    }
    return { services };
  },
  artifacts(output) {
    return output.services.map((service) => ({
      folder: `test-cases/${service.slug}`,
      kind: 'test-case',
      files: service.files,
    }));
  },
};
