import { z } from 'zod';
import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import type { Vision } from '../../toolchain/schemas/vision';
import { processModels, renderProcessIndex } from '../blueprint/vision/processes';

const outputSchema = z.object({
  title: z.string(),
  processes: z
    .array(
      z.object({
        slug: z.string().regex(/^[a-z][a-z0-9-]*$/),
        title: z.string(),
        entity: z.string(),
        diagram: z.enum(['sequenceDiagram', 'flowchart']),
        mermaid: z.string().regex(/^(sequenceDiagram|flowchart)\b/),
      }),
    )
    .min(1),
});
type ProcessOutput = z.infer<typeof outputSchema>;

const pathOf = (slug: string) => `process-model/${slug}.mmd`;

export const businessAnalyst: AgentDefinition<ProcessOutput> = {
  name: 'businessAnalyst',
  role: 'Business Analyst',
  phase: 'vision-to-architecture',
  purpose:
    'Models each main business process as a Mermaid diagram from the vision’s actions, rules and lifecycles.',
  uses: 'model',
  deployment: 'simple',
  reads: ['vision', 'backlog'],
  writes: ['process-model'],
  output: outputSchema,
  prompt: {
    version: '1.0.0',
    system:
      'You are a Business Analyst. For each main business process of the vision (an entity that personas act on), write a Mermaid sequence diagram: the personas as actors, the product as participant, one message per action in order, and an alt branch where a rule can refuse the action. For each entity with a lifecycle, also write a Mermaid flowchart of its states with the action and persona on each transition. Answer with JSON matching the schema; each diagram is valid Mermaid source.',
    user: 'Vision (JSON):\n{{vision}}\n\nBacklog (JSON):\n{{backlog}}',
  },
  async blueprint(ctx) {
    const vision = await ctx.inputJson<Vision>('vision');
    return { title: vision.title, processes: processModels(vision) };
  },
  artifacts: (output) => [
    ...output.processes.map((p): ArtifactFile => ({
      path: pathOf(p.slug),
      kind: 'process-model',
      contentType: 'text/vnd.mermaid',
      content: p.mermaid,
    })),
    {
      path: 'process-model/index.md',
      kind: 'process-model',
      contentType: 'text/markdown',
      content: renderProcessIndex({ title: output.title } as Vision, output.processes, (m) => pathOf(m.slug)),
    },
  ],
};
