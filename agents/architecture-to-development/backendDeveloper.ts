import { releaseVersion } from '../../core/version';
import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { generateService } from '../../toolchain/backend/generateService';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { previousRelease } from '../blueprint/change/previousRelease';
import { policySourceSchema } from './policyWriter';

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
  uses: 'compiler',
  reads: ['domain-model', 'openapi', 'development-plan', 'policy-source', 'previous-domain-model'],
  writes: ['service-source'],
  output: backendOutputSchema,
  async blueprint(ctx) {
    const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
    // The bodies the Policy Writer's model wrote for rules no compiler can type (none when every rule is typed).
    const written = ctx.inputs('policy-source').filter((input) => input.ref.path.endsWith('.json'));
    const source = written.length ? policySourceSchema.parse(await written.at(-1)!.json()) : { policies: [] };
    const policies = Object.fromEntries(source.policies.map((p) => [p.ruleId, p.body]));
    const version = releaseVersion(ctx.iteration, ctx.change?.after);
    const previous = await previousRelease(ctx);
    const services = model.contexts.map((context) => {
      // A service whose code the release it follows already had keeps that code and its version, byte for byte.
      const before = previous?.model.contexts.find((c) => c.slug === context.slug);
      if (previous && before) {
        const kept = generateService(model, context, { version: previous.version, policies });
        const released = generateService(previous.model, before, { version: previous.version, policies });
        if (JSON.stringify(kept.files) === JSON.stringify(released.files)) return kept;
      }
      // Otherwise its version is the release it ships in: each iteration's product is the next minor version.
      return generateService(model, context, { version, policies });
    });
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
