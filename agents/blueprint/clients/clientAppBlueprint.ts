import type { AgentContext } from '../../../core/agent';
import { domainModelSchema } from '../../../toolchain/schemas/domainModel';
import { generateApp } from './apps';
import { feedbackFor, readOpenApiInputs } from './inputs';

const names = { web: 'web client', mobile: 'mobile app' } as const;

/** The blueprint of both client agents: the app generated from the domain model and the OpenAPI documents. */
export async function clientAppBlueprint(ctx: AgentContext, target: 'web' | 'mobile') {
  const model = domainModelSchema.parse(await ctx.inputJson('domain-model'));
  const relevant = feedbackFor(ctx.feedback, target);
  const app = generateApp(model, await readOpenApiInputs(ctx), target, { feedback: relevant });
  return {
    folder: target,
    files: app.files,
    screens: app.screens,
    missing: app.missing,
    // Every file is regenerated from the OpenAPI documents, so a finding against an earlier attempt's file is
    // answered by the current contract; a defect in the generator itself stays listed in the README.
    feedbackAddressed: relevant.map((feedback) => ({
      feedback,
      action: `Regenerated the ${names[target]} from the current OpenAPI documents; the finding is listed in ${target}/README.md for review.`,
    })),
  };
}
