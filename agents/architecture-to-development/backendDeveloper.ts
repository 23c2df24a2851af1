import { releaseVersion } from '../../core/version';
import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { generateService } from '../../toolchain/backend/generateService';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

const serviceSchema = z.object({
  context: z.string(),
  slug: z.string(),
  folder: z.string().regex(/^services\/[a-z0-9-]+$/),
  files: z.array(z.object({ path: z.string(), content: z.string() })).min(1),
});

export const backendOutputSchema = z.object({
  services: z.array(serviceSchema).min(1),
  feedbackAddressed: z.array(
    z.object({ feedback: z.string(), files: z.array(z.string()), action: z.string() }),
  ),
});

export type BackendOutput = z.infer<typeof backendOutputSchema>;

/** Source files a finding names (`src/api/routes.ts:12`, `test/api.test.ts`), so the fix can be traced to them. */
export function filesNamedIn(feedback: string): string[] {
  return [...new Set([...feedback.matchAll(/\b((?:src|test)\/[\w./-]+\.ts)\b/g)].map((m) => m[1]))];
}

export const backendDeveloper: AgentDefinition<BackendOutput> = {
  name: 'backendDeveloper',
  role: 'Backend Developer',
  phase: 'architecture-to-development',
  purpose:
    'Writes one Clean Architecture TypeScript service per bounded context that implements its OpenAPI document, with tests.',
  uses: 'model',
  deployment: 'code',
  reads: ['domain-model', 'openapi', 'development-plan'],
  writes: ['service-source'],
  output: backendOutputSchema,
  prompt: {
    version: '1.1.0',
    system: [
      'You are the Backend Developer of a software factory. For each bounded context write a TypeScript service that',
      'runs on Node.js and the PostgreSQL driver pg (no other runtime dependency) in Clean Architecture layers: src/domain',
      '(entities enforcing required fields, types, enum values, min/max, maxLength and lifecycle transitions',
      'allowedFrom -> transitionTo; domain errors), src/application (one use case per operation, DTOs, ports for the',
      'repository, clock, id generator, event publisher and unit of work), src/infrastructure (PostgreSQL repositories, a',
      'transactional outbox, the in-memory test double, fault-injecting',
      'slow/failing repositories), src/api (node:http server implementing the OpenAPI document exactly: a route table',
      'in src/api/routes.ts with method, path, operationId and handler per operation; JSON parsing with 415/413/400;',
      'validation errors listing each field; RFC 9457 problem+json; 201 with Location; paging with limit/offset; 404;',
      '409; GET /health) and src/main.ts (PORT default 8080, graceful SIGTERM, CHAOS_REPOSITORY=slow|failing read',
      'only there). Include package.json (build/test/start scripts, no dependencies), a strict tsconfig.json and',
      'node:test tests: unit tests for domain and use cases, integration tests over an ephemeral loopback port that',
      'exercise every operation and error path (80% line coverage or more). When feedback (failing tests, bug',
      'reports, gate findings) is given, fix the cause in the files it names and say what you changed.',
    ].join(' '),
    user: 'Domain model:\n{{domain-model}}\n\nOpenAPI documents:\n{{openapi}}\n\nDevelopment plan:\n{{development-plan}}\n\nFeedback to fix (may be empty):\n{{feedback}}\n\nReturn JSON: { services: [{ context, slug, folder, files: [{ path, content }] }], feedbackAddressed: [{ feedback, files, action }] }.',
  },
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    const services = model.contexts.map((context) =>
      // The service's version is the release it ships in: each iteration's product is the next minor version.
      generateService(model, context, { version: releaseVersion(ctx.iteration) }),
    );
    // The blueprint regenerates every file from the model and its templates, so a defect found in a previous
    // attempt's files (a hand edit, a corrupted artifact) is replaced by the template's version. It cannot
    // repair a defect that lives in the templates themselves; such a finding stays visible in FEEDBACK.md.
    const feedbackAddressed = ctx.feedback.map((feedback) => {
      const files = filesNamedIn(feedback);
      return {
        feedback,
        files,
        action: files.length
          ? `Regenerated ${files.join(', ')} from the domain model and the OpenAPI conventions, replacing the previous attempt's version.`
          : 'No source file is named; every file was regenerated from the domain model.',
      };
    });
    return {
      services: services.map((service) => ({
        context: service.context,
        slug: service.slug,
        folder: service.folder,
        files: feedbackAddressed.length
          ? [
              ...service.files,
              {
                path: 'FEEDBACK.md',
                content: [
                  `# Feedback addressed (attempt ${ctx.attempt})`,
                  '',
                  ...feedbackAddressed.map((f) => `- ${f.feedback}\n  - ${f.action}`),
                  '',
                ].join('\n'),
              },
            ]
          : service.files,
      })),
      feedbackAddressed,
    };
  },
  artifacts(output) {
    return output.services.map((service) => ({
      folder: service.folder,
      kind: 'service-source',
      files: service.files,
    }));
  },
};
