import { z } from 'zod';
import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import { adrFiles, adrSchema, feedbackNotes } from '../../toolchain/architecture/adr';
import { apiDecisions } from '../blueprint/architecture/decisions';
import { jsonInput } from '../blueprint/architecture/inputs';
import { buildOpenApi, openApiPath } from '../blueprint/architecture/openapi';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { moneyPattern } from '../../toolchain/money';

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
  uses: 'model',
  deployment: 'simple',
  reads: ['domain-model'],
  writes: ['openapi', 'adr'],
  output: apiDesignSchema,
  prompt: {
    version: '1.2.0',
    system: [
      'You are the API Designer of a software factory. You turn a domain model into contract-first HTTP APIs: one',
      'OpenAPI 3.1.0 document per bounded context. Follow these conventions exactly, because services, clients and tests',
      'are generated from your documents: paths /v1/<plural-kebab>, /v1/<plural-kebab>/{id}, /v1/<plural-kebab>/{id}/<verb>',
      'and /health; operation ids list<Plural>, create<Entity>, get<Entity>, update<Entity> (PATCH), delete<Entity>,',
      '<camelCommand>; JSON bodies; id (uuid), createdAt, updatedAt (date-time) and status (when the entity has states) are',
      'read-only; create returns 201 with a Location header, list returns 200 {items, total} with limit (1..100, default 20)',
      'and offset, delete returns 204; errors are application/problem+json (RFC 9457) {type, title, status, detail, errors[]}:',
      '400 invalid body or parameters, 404 unknown id, 409 command not allowed in the current state or unique conflict, 413',
      'body over 1 MiB (create, update), 415 non-JSON body, 503 storage unavailable (every entity operation). Schemas <Entity>, <Entity>Create (required attributes required), <Entity>Update (all optional),',
      '<Entity>Page, Problem. Types: required text -> pattern \\S (not blank), money -> always a string (never a number) with pattern',
      `${moneyPattern({})} (${moneyPattern({ minimum: 0 })} when its minimum is 0 or more) and a description stating`,
      'the decimal-string format and any other minimum or maximum, date -> format date,',
      'datetime -> format date-time, email -> format email, enum -> enum, integer -> integer with minimum/maximum.',
      'Declare a bearer JWT security scheme. Record your decisions as MADR ADRs. Apply every review finding you are given.',
    ].join(' '),
    user: [
      'Domain model (JSON):',
      '{{domain-model}}',
      '',
      'Review feedback to address (may be empty):',
      '{{feedback}}',
      '',
      'Return JSON: { documents: [{ context, path: "api/<context-slug>.openapi.json", document }], adrs: [...],',
      'feedbackAddressed: [{ feedback, outcome }] }.',
    ].join('\n'),
  },
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
