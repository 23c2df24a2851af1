import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import { backlogSchema, type Backlog } from '../../toolchain/schemas/backlog';
import type { Vision } from '../../toolchain/schemas/vision';
import type { Roadmap } from '../blueprint/vision/roadmap';
import { buildBacklog, renderBacklog, renderFeatureFile } from '../blueprint/vision/backlogBuilder';
import {
  backlogPart,
  backlogParts,
  featuresOfPart,
  mergeBacklogParts,
} from '../blueprint/vision/backlogParts';
import { markdownAndJson } from '../runtime/reportFiles';

export const productOwner: AgentDefinition<Backlog> = {
  name: 'productOwner',
  role: 'Product Owner',
  phase: 'vision-to-architecture',
  purpose:
    'Breaks the roadmap into epics and user stories with Gherkin acceptance criteria, each story tied to a domain entity.',
  uses: 'model',
  deployment: 'simple',
  reads: ['vision', 'roadmap'],
  writes: ['backlog'],
  output: backlogSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are a Product Owner. Write one epic per feature of the roadmap and user stories in the form "As a <persona>, I want <action>, so that <benefit>", using only personas and entities of the vision. Every story names the entity it is about and the operation it exercises, has a priority (must/should/could from its feature), an estimate in Fibonacci story points and at least one Gherkin scenario (Given/When/Then); every story that changes data also has a negative scenario, taken from the vision\'s rules or lifecycle when one applies. Answer with JSON matching the schema.',
    user: 'Vision (JSON):\n{{vision}}\n\nRoadmap (JSON):\n{{roadmap}}',
  },
  // A backlog grows with the features: a model writes it a few features per call.
  split: {
    parts: async (ctx) => backlogParts(await ctx.inputJson<Roadmap>('roadmap')),
    merge: mergeBacklogParts,
    pick: (whole, part) => backlogPart(whole, featuresOfPart(part.focus)),
  },
  async blueprint(ctx) {
    return buildBacklog(await ctx.inputJson<Vision>('vision'), await ctx.inputJson<Roadmap>('roadmap'));
  },
  artifacts: (backlog) => {
    const features: ArtifactFile[] = backlog.epics.map((epic) => ({
      path: epic.featureFile,
      kind: 'backlog',
      contentType: 'text/x-gherkin',
      content: renderFeatureFile(
        epic,
        backlog.stories.filter((s) => s.epic === epic.id),
      ),
    }));
    return [...features, ...markdownAndJson('backlog/backlog', 'backlog', renderBacklog(backlog), backlog)];
  },
};
