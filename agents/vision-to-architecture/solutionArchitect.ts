import { z } from 'zod';
import type { AgentDefinition } from '../../core/agent';
import { adrFiles, adrSchema, feedbackNotes } from '../../toolchain/architecture/adr';
import { solutionDecisions } from '../blueprint/architecture/decisions';
import { jsonInput } from '../blueprint/architecture/inputs';
import {
  buildSolutionArchitecture,
  dataArchitecture,
  renderSolutionArchitecture,
  solutionArchitectureSchema,
  type Hosting,
} from '../blueprint/architecture/solution';
import { domainModelSchema, type DomainModel } from '../../toolchain/schemas/domainModel';
import { markdownAndJson } from '../runtime/reportFiles';

/**
 * The design only: the domain model it follows is the Enterprise Architect's, read again when it is written, and
 * the data section (tables and columns, most of a whole design's size) is compiled from it.
 */
export const solutionDesignSchema = z.object({
  solution: solutionArchitectureSchema.omit({ data: true }),
  adrs: z.array(adrSchema).min(1),
});

export type SolutionDesign = z.infer<typeof solutionDesignSchema>;

/**
 * Hosting a reviewer asks for, per context: a feedback item that names a context (by name or slug) and a
 * hosting model ("Functions", "Container Apps") moves that context's service.
 */
function hostingOverrides(model: DomainModel, feedback: string[]) {
  const overrides: Record<string, Hosting> = {};
  const addressed: Array<{ feedback: string; outcome: string }> = [];
  for (const item of feedback) {
    const hosting: Hosting | undefined = /container\s*apps?/i.test(item)
      ? 'azure-container-apps'
      : /\bfunctions?\b/i.test(item)
        ? 'azure-functions'
        : undefined;
    const named = model.contexts.filter((c) => new RegExp(`\\b(${c.name}|${c.slug})\\b`, 'i').test(item));
    if (hosting && named.length > 0) {
      for (const context of named) overrides[context.name] = hosting;
      addressed.push({
        feedback: item,
        outcome: `${named.map((c) => c.name).join(', ')} now hosted on ${hosting}.`,
      });
    } else {
      addressed.push({
        feedback: item,
        outcome: 'Recorded. The architecture is regenerated from the current domain model.',
      });
    }
  }
  return { overrides, addressed };
}

export const solutionArchitect: AgentDefinition<SolutionDesign> = {
  name: 'solutionArchitect',
  role: 'Solution Architect',
  phase: 'vision-to-architecture',
  purpose: 'Turns the domain model into services, data, security and integration architecture on Azure.',
  uses: 'model',
  deployment: 'simple',
  reads: ['domain-model'],
  writes: ['solution-architecture', 'adr'],
  output: solutionDesignSchema,
  prompt: {
    version: '1.2.0',
    system: [
      'You are the Solution Architect of a software factory. From a domain model you design the solution on Azure:',
      'one Node.js/TypeScript service per bounded context, hosted on Azure Container Apps (contexts with commands,',
      'lifecycles or several entities) or Azure Functions (small command-free reference data); a PostgreSQL database per',
      'service with a table per entity (uuid id, typed columns, foreign keys only inside a database, status checks);',
      'security with Microsoft Entra ID (bearer JWT, one app role per actor, commands allowed per actor), user-assigned',
      'managed identities per service with least-privilege grants, TLS everywhere and the remaining secrets in Key Vault;',
      'integration through one Service Bus topic per context with a subscription per consuming service. Record the',
      'significant decisions as MADR ADRs. Apply every review finding you are given. The data section (databases,',
      'tables, columns) is compiled from the domain model: do not write it.',
    ].join(' '),
    user: [
      'Domain model (JSON):',
      '{{domain-model}}',
      '',
      'Review feedback to address (may be empty):',
      '{{feedback}}',
      '',
      'Return JSON: { solution: { product, services, security, integration, feedbackAddressed }, adrs }.',
    ].join('\n'),
  },
  async blueprint(ctx) {
    const model = await jsonInput(ctx, 'domain-model', domainModelSchema);
    const { overrides, addressed } = hostingOverrides(model, ctx.feedback);
    const solution = buildSolutionArchitecture(model, {
      hostingOverrides: overrides,
      feedbackAddressed: addressed,
    });
    const applied = addressed.filter((a) => !a.outcome.startsWith('Recorded')).map((a) => a.outcome);
    const { product, services, security, integration, feedbackAddressed } = solution;
    return {
      solution: { product, services, security, integration, feedbackAddressed },
      adrs: solutionDecisions(model, solution, feedbackNotes(ctx.feedback, applied)),
    };
  },
  // The JSON goes last: readers that take the newest artifact of a kind get the machine-readable one.
  async artifacts(output, ctx) {
    const model = await jsonInput(ctx, 'domain-model', domainModelSchema);
    const solution = { ...output.solution, data: dataArchitecture(model) };
    return [
      ...markdownAndJson(
        'architecture/solution-architecture',
        'solution-architecture',
        renderSolutionArchitecture(model, solution),
        solution,
      ),
      ...adrFiles(output.adrs),
    ];
  },
};
