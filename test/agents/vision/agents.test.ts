import { moneyInputPattern, moneyPattern } from '../../../toolchain/money';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentDefinition } from '../../../core/agent';
import { businessAnalyst } from '../../../agents/vision-to-architecture/businessAnalyst';
import { productManager } from '../../../agents/vision-to-architecture/productManager';
import { productOwner } from '../../../agents/vision-to-architecture/productOwner';
import { uxDesigner } from '../../../agents/vision-to-architecture/uxDesigner';
import { visionArchitect } from '../../../agents/vision-to-architecture/visionArchitect';
import { deriveDomainModel } from '../../../agents/blueprint/vision/domainDerivation';
import { backlogSchema, type Backlog } from '../../../toolchain/schemas/backlog';
import { visionSchema, type Vision } from '../../../toolchain/schemas/vision';
import { runAgents, type HarnessRun } from '../../support/agentHarness';
import { contextIn } from '../azureOpenAi/support';
import type { UxJourneys } from '../../../agents/blueprint/vision/ux';

const agents = [visionArchitect, productManager, productOwner, businessAnalyst, uxDesigner] as Array<
  AgentDefinition<unknown>
>;
const visionText = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);

/** Checks that an HTML page is a complete document whose elements all close in order. */
function wellFormedHtml(html: string): string[] {
  const problems: string[] = [];
  if (!/^<!DOCTYPE html>/i.test(html)) problems.push('missing doctype');
  if (/(src|href)="(https?:)?\/\//i.test(html)) problems.push('external resource');
  const voids = new Set(['meta', 'input', 'br', 'img', 'link', 'hr']);
  const stack: string[] = [];
  for (const m of html
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .matchAll(/<(\/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?>/g)) {
    const [, closing, name] = m;
    const tag = name.toLowerCase();
    if (voids.has(tag)) continue;
    if (!closing) stack.push(tag);
    else if (stack.pop() !== tag) problems.push(`unbalanced </${tag}>`);
  }
  if (stack.length > 0) problems.push(`unclosed ${stack.join(', ')}`);
  return problems;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('vision-to-architecture product agents', () => {
  let run: HarnessRun;
  beforeAll(async () => {
    run = await runAgents(agents, { visionText });
  });

  it('write the expected artifact kinds', () => {
    for (const kind of ['vision', 'roadmap', 'backlog', 'process-model', 'ux-journeys', 'ux-mockup'])
      expect(run.all(kind).length).toBeGreaterThan(0);
    expect(run.all('vision').map((r) => r.path.split('/').pop())).toEqual(['vision.md', 'vision.json']);
    expect(run.all('process-model').filter((r) => r.path.endsWith('.mmd')).length).toBeGreaterThan(0);
    expect(run.all('backlog').filter((r) => r.path.endsWith('.feature')).length).toBeGreaterThan(0);
  });

  it('writes a vision that validates and a roadmap with the MVP first', async () => {
    const vision = visionSchema.parse(await run.json<Vision>('vision'));
    expect(vision.title).toBe('ToolShed');
    const roadmap = await run.json<{
      releases: Array<{ name: string; weeks: string; features: Array<{ priority: string }> }>;
    }>('roadmap');
    expect(roadmap.releases[0].name).toBe('MVP');
    expect(roadmap.releases[0].weeks).toMatch(/^week 1-\d+$/);
    expect(roadmap.releases[0].features.every((f) => f.priority === 'must')).toBe(true);
  });

  it('writes a backlog whose every story is about an entity of the domain model', async () => {
    const vision = await run.json<Vision>('vision');
    const backlog = backlogSchema.parse(await run.json<Backlog>('backlog'));
    const entities = deriveDomainModel(vision).contexts.flatMap((c) => c.entities.map((e) => e.name));
    for (const story of backlog.stories) {
      expect(entities).toContain(story.entity);
      expect(story.text).toMatch(/^As an? .+, I want .+, so that .+$/);
    }
    // Stories that change data carry a negative scenario, and the member limit rule shows up in one.
    const negatives = backlog.stories.flatMap((s) =>
      s.acceptanceCriteria.filter((a) => a.kind === 'negative'),
    );
    expect(negatives.length).toBeGreaterThan(0);
    const feature = await run.store.get(
      run.tenantId,
      run.runId,
      run.all('backlog').find((r) => r.path.endsWith('.feature'))!.path,
    );
    expect(feature.toString()).toMatch(/^Feature: /);
    expect(feature.toString()).toMatch(
      /\n {4}Given .+\n( {4}And .+\n)* {4}When .+\n( {4}And .+\n)* {4}Then /,
    );
  });

  it('writes Mermaid diagrams from the actions and states', async () => {
    const texts = await Promise.all(
      run
        .all('process-model')
        .filter((r) => r.path.endsWith('.mmd'))
        .map(async (r) => (await run.store.get(run.tenantId, run.runId, r.path)).toString()),
    );
    expect(texts.some((t) => t.startsWith('sequenceDiagram') && t.includes('approve reservation'))).toBe(
      true,
    );
    expect(texts.some((t) => t.startsWith('flowchart LR') && t.includes('reserved'))).toBe(true);
  });

  it('writes well-formed standalone HTML mockups with fields and command buttons', async () => {
    const refs = run.all('ux-mockup');
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const ref of refs) {
      const html = (await run.store.get(run.tenantId, run.runId, ref.path)).toString();
      expect(wellFormedHtml(html)).toEqual([]);
    }
    const detail = (
      await run.store.get(
        run.tenantId,
        run.runId,
        refs.find((r) => r.path.endsWith('reservation-detail.html'))!.path,
      )
    ).toString();
    expect(detail).toContain('type="date"');
    expect(detail).toContain('data-command="ApproveReservation"');
  });

  it('refuses UX screens about an entity the vision does not have, naming them', async () => {
    const ux = await run.json<UxJourneys>('ux-journeys');
    const stray = {
      ...ux,
      screens: [...ux.screens, { ...ux.screens[0], id: 'spaceship-list', entity: 'Spaceship' }],
    };
    await expect(uxDesigner.artifacts(stray, contextIn(run, uxDesigner, run.refs))).rejects.toThrow(
      "the UX design's screens name entities the vision does not have: spaceship-list (Spaceship)",
    );
  });

  it('is deterministic: two runs write byte-identical artifacts', async () => {
    const again = await runAgents(agents, { visionText });
    expect(again.refs.map((r) => [r.path, r.sha256])).toEqual(run.refs.map((r) => [r.path, r.sha256]));
  });

  it('records reviewer feedback in the vision document', async () => {
    const withFeedback = await runAgents([visionArchitect] as Array<AgentDefinition<unknown>>, {
      visionText,
      feedback: ['Add entity Deposit', 'Please clarify who can suspend members'],
    });
    const vision = await withFeedback.json<Vision>('vision');
    expect(vision.domain.entities.map((e) => e.name)).toContain('Deposit');
    expect(vision.feedbackAddressed.map((f) => f.feedback)).toEqual([
      'Add entity Deposit',
      'Please clarify who can suspend members',
    ]);
    const markdown = (
      await withFeedback.store.get(
        withFeedback.tenantId,
        withFeedback.runId,
        withFeedback.all('vision')[0].path,
      )
    ).toString();
    expect(markdown).toContain('## Review feedback addressed');
    expect(markdown).toContain('Please clarify who can suspend members');
  });
});

describe('mockups of a vision with money', () => {
  it('ask for amounts in a decimal text input with the API pattern, never a float number input', async () => {
    const garden = await runAgents(agents, {
      visionText: readFileSync(
        join(__dirname, '../../../examples/visions/community-garden-plots.md'),
        'utf8',
      ),
    });
    const pages = await Promise.all(
      garden
        .all('ux-mockup')
        .map(async (ref) => (await garden.store.get(garden.tenantId, garden.runId, ref.path)).toString()),
    );
    const moneyInputs = pages.flatMap((page) => page.match(/<input[^>]*name="annualFee"[^>]*>/g) ?? []);
    expect(moneyInputs.length).toBeGreaterThan(0);
    for (const input of moneyInputs)
      expect(input).toMatch(
        new RegExp(
          `^<input type="text" inputmode="decimal" id="f-annual-fee" name="annualFee" pattern="${escapeRegExp(moneyInputPattern(moneyPattern({ minimum: 0 })))}" placeholder="19.99"( required)?>$`,
        ),
      );
  });
});
