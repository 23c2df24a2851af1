import type { AgentDefinition } from '../../core/agent';
import { visionSchema, type Vision } from '../../toolchain/schemas/vision';
import { analyseVision } from '../blueprint/vision/analyse';
import { readChangeRequest } from '../blueprint/change/changeRequest';
import { applyFeedback } from '../blueprint/vision/feedback';
import { renderVision } from '../blueprint/vision/visionDocument';
import { mergeVisionParts, visionPart, visionParts } from '../blueprint/vision/visionParts';
import { markdownAndJson } from '../runtime/reportFiles';

export const visionArchitect: AgentDefinition<Vision> = {
  name: 'visionArchitect',
  role: 'Vision Architect',
  phase: 'vision-to-architecture',
  purpose:
    'Turns the product vision text into a structured vision: problem, goals, metrics, personas, features, scope and the analysed domain.',
  // From the second iteration on, the previous iteration's evolution plan steers the vision.
  uses: 'model',
  deployment: 'simple',
  reads: ['vision-text', 'evolution-plan', 'change-request'],
  writes: ['vision'],
  output: visionSchema,
  prompt: {
    version: '1.1.0',
    system:
      'You are a Vision Architect. From a product vision you produce a precise, testable vision document. Quote success metrics exactly as stated (name, target with its number and unit, source "stated"); propose metrics only when none are stated and mark them "derived". Personas are the roles that act in the product. Entities are the things the product stores, singular PascalCase, each with typed attributes (string, text, integer, number, boolean, date, datetime, email, money, enum with values), references to other entities and lifecycle states when the vision implies them. Actions are verb + entity performed by a persona. Rules ("at most", "must", "cannot", "only") become rules on an entity. When reviewer feedback is given, apply it and list each item with what you did. Use front-matter hints over your own inference. Answer with JSON matching the schema.',
    user: 'Vision text:\n{{vision-text}}\n\nEvolution plan of the previous iteration (may be empty):\n{{evolution-plan}}\n\nChange request applied to this product (may be empty; its additions are already in the vision text; carry out the removals it lists):\n{{change-request}}\n\nReviewer feedback (may be empty):\n{{feedback}}',
  },
  // The document grows with the text: a model reads a long vision a few paragraphs per call.
  split: {
    parts: async (ctx) => visionParts(await ctx.inputText('vision-text')),
    merge: mergeVisionParts,
    pick: (whole, part) => visionPart(whole, part.focus),
  },
  async blueprint(ctx) {
    const text = await ctx.inputText('vision-text');
    const vision = analyseVision(text);
    const plans = ctx.inputs('evolution-plan').filter((input) => input.ref.path.endsWith('.json'));
    const plan = plans.length
      ? await plans[plans.length - 1].json<{
          visionFeedback?: string[];
          backlog?: Array<{ id: string; title: string; leftOut?: string }>;
        }>()
      : undefined;
    const evolution = plan?.visionFeedback ?? [];
    // Every removal of the product's changes so far: the vision text still describes what earlier ones removed.
    const removals =
      ctx.change?.removals ??
      (ctx.inputs('change-request').length
        ? readChangeRequest(await ctx.inputText('change-request')).removals
        : []);
    const feedback = [
      ...evolution.map((item) => `Evolution plan: ${item}`),
      ...removals.map((item) => `Change request: ${item}`),
      ...ctx.feedback,
    ];
    const applied = feedback.length > 0 ? applyFeedback(vision, feedback) : vision;
    // Every item of the plan is accounted for: those it left out with its reason.
    for (const item of plan?.backlog ?? [])
      if (item.leftOut)
        applied.feedbackAddressed.push({
          feedback: `Evolution plan: ${item.id}: ${item.title}`,
          outcome: `Left out: ${item.leftOut}.`,
          applied: false,
        });
    return applied;
  },
  artifacts: (vision) => markdownAndJson('vision/vision', 'vision', renderVision(vision), vision),
};
