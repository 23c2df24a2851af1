import { z } from 'zod';
import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import { adrFiles, adrSchema, feedbackNotes } from '../../toolchain/architecture/adr';
import { apiDecisions } from '../blueprint/architecture/decisions';
import { jsonInput } from '../blueprint/architecture/inputs';
import { buildOpenApi, openApiPath } from '../blueprint/architecture/openapi';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';

const openApiDocumentSchema = z.looseObject({
  openapi: z.literal('3.1.0'),
  info: z.looseObject({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
  components: z.looseObject({
    schemas: z.record(z.string(), z.unknown()),
    securitySchemes: z.record(z.string(), z.unknown()),
  }),
});

export const apiDesignSchema = z.object({
  documents: z
    .array(
      z.object({
        context: z.string(),
        path: z.string().regex(/^api\/[a-z0-9-]+\.openapi\.json$/),
        document: openApiDocumentSchema,
      }),
    )
    .min(1),
  adrs: z.array(adrSchema).min(1),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), outcome: z.string() })),
});

export type ApiDesign = z.infer<typeof apiDesignSchema>;

export const apiDesigner: AgentDefinition<ApiDesign> = {
  name: 'apiDesigner',
  role: 'API Designer',
  phase: 'vision-to-architecture',
  purpose:
    'Designs one OpenAPI 3.1 contract per bounded context from the domain model, following the shared API conventions.',
  uses: 'compiler',
  reads: ['domain-model'],
  writes: ['openapi', 'adr'],
  output: apiDesignSchema,
  async blueprint(ctx) {
    const model = await jsonInput(ctx, 'domain-model', domainModelSchema);
    const feedbackAddressed = ctx.feedback.map((feedback) => ({
      feedback,
      outcome:
        'Recorded. The documents are regenerated from the current domain model; path, operation and error conventions are shared and unchanged.',
    }));
    return {
      documents: model.contexts.map((context) => ({
        context: context.name,
        path: openApiPath(context),
        document: buildOpenApi(model, context, { version: '1.0.0' }) as z.infer<typeof openApiDocumentSchema>,
      })),
      adrs: apiDecisions(model, feedbackNotes(ctx.feedback, [])),
      feedbackAddressed,
    };
  },
  artifacts(output) {
    return [
      ...output.documents.map((d): ArtifactFile => ({
        path: d.path,
        kind: 'openapi',
        contentType: 'application/json',
        content: `${JSON.stringify(d.document, null, 2)}\n`,
      })),
      ...adrFiles(output.adrs),
    ];
  },
};
