import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { clientAppBlueprint } from '../blueprint/clients/clientAppBlueprint';

export const clientAppOutputSchema = z.object({
  folder: z.string(),
  files: z.array(z.object({ path: z.string(), content: z.string() })).min(1),
  screens: z.array(
    z.object({
      context: z.string(),
      entity: z.string(),
      list: z.boolean(),
      create: z.boolean(),
      detail: z.boolean(),
      commands: z.array(z.string()),
    }),
  ),
  /** Operations the domain model implies but the OpenAPI documents lack: their screens are not built. */
  missing: z.array(z.string()),
  feedbackAddressed: z.array(z.object({ feedback: z.string(), action: z.string() })),
});

export type ClientAppOutput = z.infer<typeof clientAppOutputSchema>;

export const frontendDeveloper: AgentDefinition<ClientAppOutput> = {
  name: 'frontendDeveloper',
  role: 'Frontend Developer',
  phase: 'architecture-to-development',
  purpose:
    'Writes the web client (plain TypeScript and the DOM) for the main user journeys on top of a typed API client generated from the OpenAPI documents.',
  uses: 'model',
  deployment: 'code',
  reads: ['domain-model', 'openapi', 'backlog', 'development-plan'],
  writes: ['frontend-source'],
  output: clientAppOutputSchema,
  prompt: {
    version: '1.1.0',
    system: [
      'You are the Frontend Developer of a software factory. Write a browser client in plain TypeScript and the DOM',
      '(no framework, no runtime dependencies) under web/: index.html (loads dist/main.js as an ES module, one',
      '<meta name="api-base-url:<service>"> per bounded context), styles.css, a strict tsconfig.json (lib ES2022 + DOM,',
      'module ES2022, outDir dist), src/api/ = a typed client generated from each OpenAPI document (an interface per',
      'component schema, one fetch-based function per operationId, per-service configurable base URL, non-2xx answers',
      'thrown as ApiError carrying the RFC 9457 problem+json body), src/ui.ts (DOM helpers and typed form readers),',
      'src/router.ts (hash routes) and one src/views/<context>.ts per context with, for every entity: a paged list',
      '(limit/offset, total), a create form built from <Entity>Create (required fields marked, field errors from a 400',
      'shown next to their inputs), a detail view with one button per command, disabled unless the status is in the',
      "command's allowedFrom, and delete. The code must type-check with tsc --noEmit under strict. When feedback",
      'names type errors or files, fix exactly those and say what you changed.',
      'Money fields are decimal strings in the API (a string schema with a money pattern): read them from an <input',
      'inputmode="decimal"> and send the value as a string normalised to two decimals ("19.9" -> "19.90"), show them as text.',
    ].join(' '),
    user: 'Domain model:\n{{domain-model}}\n\nOpenAPI documents:\n{{openapi}}\n\nUser stories:\n{{backlog}}\n\nFeedback to fix (may be empty):\n{{feedback}}\n\nReturn JSON: { folder: "web", files: [{ path, content }], screens: [{ context, entity, list, create, detail, commands }], missing: [], feedbackAddressed: [{ feedback, action }] }.',
  },
  blueprint: (ctx) => clientAppBlueprint(ctx, 'web'),
  artifacts(output) {
    return [{ folder: output.folder, kind: 'frontend-source', files: output.files }];
  },
};
