import type { AgentDefinition } from '../../core/agent';
import type { Vision } from '../../toolchain/schemas/vision';
import { buildRoadmap, renderRoadmap, roadmapSchema, type Roadmap } from '../blueprint/vision/roadmap';
import { markdownAndJson } from '../runtime/reportFiles';

export const productManager: AgentDefinition<Roadmap> = {
  name: 'productManager',
  role: 'Product Manager',
  phase: 'vision-to-architecture',
  purpose:
    'Orders the vision’s features by value into releases, MVP first, with a week-by-week release plan.',
  uses: 'model',
  deployment: 'simple',
  reads: ['vision'],
  writes: ['roadmap'],
  output: roadmapSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are a Product Manager. Group the features of the vision into releases ordered by value: an MVP with every "must" feature that together solve the stated problem, then later releases. Value comes from priority, from the goals and success metrics a feature moves, and from how much of the core flow it covers. Give each release a goal, a relative schedule ("week 1-6"; roughly two weeks per feature) and milestones that name what is usable when. Answer with JSON matching the schema.',
    user: 'Vision (JSON):\n{{vision}}',
  },
  async blueprint(ctx) {
    return buildRoadmap(await ctx.inputJson<Vision>('vision'));
  },
  artifacts: (roadmap) => markdownAndJson('roadmap/roadmap', 'roadmap', renderRoadmap(roadmap), roadmap),
};
