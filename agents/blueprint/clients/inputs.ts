import type { AgentContext } from '../../../core/agent';
import type { OpenApiInput } from './apps';

/** The OpenAPI documents given to an agent, keyed by the context slug in their path (`api/<slug>.openapi.json`). */
export async function readOpenApiInputs(ctx: AgentContext): Promise<OpenApiInput[]> {
  const documents: OpenApiInput[] = [];
  for (const input of ctx.inputs('openapi')) {
    const slug = /(?:^|\/)api\/([a-z0-9-]+)\.openapi\.json$/.exec(input.ref.path)?.[1];
    if (slug) documents.push({ slug, document: await input.json() });
  }
  return documents;
}

/** Findings that concern a folder (they name it), or every finding when none names a folder of this kind. */
export function feedbackFor(feedback: string[], folder: string): string[] {
  return feedback.filter(
    (finding) => finding.includes(`${folder}/`) || finding.toLowerCase().includes(folder.replace(/\/.*/, '')),
  );
}
