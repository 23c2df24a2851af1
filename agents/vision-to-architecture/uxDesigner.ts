import type { AgentDefinition, ArtifactFile } from '../../core/agent';
import type { Backlog } from '../../toolchain/schemas/backlog';
import type { Vision } from '../../toolchain/schemas/vision';
import { buildJourneys, renderMockup, uxJourneysSchema, type UxJourneys } from '../blueprint/vision/ux';
import { markdownText } from '../../toolchain/escaping/markdownText';
import { markdownAndJson } from '../runtime/reportFiles';

type UxOutput = UxJourneys;

function renderJourneys(ux: UxJourneys): string {
  const lines = [`# ${markdownText(ux.product)}: user journeys`, ''];
  for (const j of ux.journeys) {
    lines.push(
      `## ${markdownText(j.persona)}`,
      '',
      markdownText(j.goal),
      '',
      '| Step | Action | Screen | Story |',
      '| --- | --- | --- | --- |',
    );
    for (const s of j.steps)
      lines.push(
        `| ${s.step} | ${markdownText(s.action)} | [${s.screen}](mockups/${s.screen}.html) | ${s.story ?? ''} |`,
      );
    lines.push('');
  }
  lines.push(
    '## Screens',
    '',
    ...ux.screens.map((s) => `- [${markdownText(s.title)}](mockups/${s.id}.html) (${s.kind} of ${s.entity})`),
  );
  return `${lines.join('\n')}\n`;
}

export const uxDesigner: AgentDefinition<UxOutput> = {
  name: 'uxDesigner',
  role: 'UX Designer',
  phase: 'vision-to-architecture',
  purpose:
    'Designs each persona’s journey through the product’s screens and a static HTML mockup of every main screen.',
  uses: 'model',
  deployment: 'simple',
  reads: ['vision', 'backlog'],
  writes: ['ux-journeys', 'ux-mockup'],
  output: uxJourneysSchema,
  prompt: {
    version: '1.0.0',
    system:
      "You are a UX Designer. For every persona with stories in the backlog, describe their journey as numbered steps, each on a named screen and linked to the story it serves. Main screens are a list and a detail screen per entity in the backlog. For each screen write a complete standalone HTML5 page with inline CSS and no external resources: fields from the entity's attributes with matching input types and labels, buttons for the commands allowed on the entity, accessible markup. Answer with JSON matching the schema.",
    user: 'Vision (JSON):\n{{vision}}\n\nBacklog (JSON):\n{{backlog}}',
  },
  async blueprint(ctx) {
    return buildJourneys(await ctx.inputJson<Vision>('vision'), await ctx.inputJson<Backlog>('backlog'));
  },
  async artifacts(ux, ctx) {
    const vision = await ctx.inputJson<Vision>('vision');
    // A model's screens may name an entity the vision does not have: say which, rather than fail to draw it.
    const known = new Set(vision.domain.entities.map((e) => e.name));
    const strays = ux.screens.filter((s) => !known.has(s.entity));
    if (strays.length)
      throw new Error(
        `the UX design's screens name entities the vision does not have: ${strays
          .map((s) => `${s.id} (${s.entity})`)
          .join(', ')}`,
      );
    const mockups: ArtifactFile[] = ux.screens.map((s) => ({
      path: s.mockup,
      kind: 'ux-mockup',
      contentType: 'text/html',
      content: renderMockup(vision, ux, s.id),
    }));
    return [...mockups, ...markdownAndJson('ux/journeys', 'ux-journeys', renderJourneys(ux), ux)];
  },
};
