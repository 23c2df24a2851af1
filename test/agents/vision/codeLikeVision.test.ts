import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { visionSchema } from '../../../toolchain/schemas/vision';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { runAgents } from '../../support/agentHarness';
import { codeLikeVisions } from '../../support/codeLikeVisions';
import { evaluateGate } from '../architecture/support';

const root = join(__dirname, '../../..');

const codeLike: Record<string, string> = {
  ...codeLikeVisions,
  'JSON (package.json)': readFileSync(join(root, 'package.json'), 'utf8'),
};

describe('vision analysis of text that is not a plain vision', () => {
  it.each(Object.entries(codeLike))('analyses %s into a valid vision', (_name, text) => {
    const parsed = visionSchema.safeParse(analyseVision(text));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('keeps a stated lifecycle whose states are not words reachable', () => {
    const vision = analyseVision(codeLike['states that are not words']);
    const tool = vision.domain.entities.find((e) => e.name === 'Tool')!;
    expect(tool.states).toEqual(['open', 's_1']);
    expect(vision.domain.actions.find((a) => a.transitionTo === 's_1')).toMatchObject({
      name: 'MoveToolToS1',
      verb: 'move',
    });
  });

  it('leaves out front-matter entries without a name', () => {
    const vision = analyseVision(codeLike['a metric without a name']);
    expect(vision.successMetrics.every((m) => m.name.length > 0)).toBe(true);
    expect(vision.hintsUsed).not.toContain('metrics');
  });
});

describe('the Vision to Architecture phase on text that is not a vision', () => {
  it('fails the gate with findings that say the vision names nothing to store and gave the analysis nothing', async () => {
    const run = await runAgents(visionToArchitectureAgents, { visionText: codeLike['the title {}'] });
    const failed = (await evaluateGate(run)).filter((c) => !c.passed);
    expect(failed.map((c) => [c.name, c.findings])).toEqual([
      [
        'The vision names what the product stores',
        [
          expect.stringMatching(
            /^The vision names nothing the product would store: .*\(Item: mentioned 0 times\)/,
          ),
        ],
      ],
      [
        'The analysis takes something from most sentences about the product',
        [
          'Nothing in the domain model comes from "{}": name what it is about as something the product keeps, or say it again in other words.',
        ],
      ],
    ]);
  }, 120000);

  it('counts entities given only in front matter as named', async () => {
    const run = await runAgents(visionToArchitectureAgents, {
      visionText: '---\nentities: [Tool, Loan]\n---\n',
    });
    const criterion = (await evaluateGate(run)).find(
      (c) => c.name === 'The vision names what the product stores',
    );
    expect(criterion).toMatchObject({ passed: true, findings: [] });
  }, 120000);

  it('runs every agent on TypeScript source and lets the gate judge the result', async () => {
    const run = await runAgents(visionToArchitectureAgents, { visionText: codeLike['TypeScript source'] });
    expect(run.results.map((r) => r.agent)).toEqual(visionToArchitectureAgents.map((a) => a.name));
    const criteria = await evaluateGate(run);
    expect(criteria.length).toBeGreaterThan(0);
    for (const c of criteria.filter((c) => !c.passed)) expect(c.findings.length).toBeGreaterThan(0);
  }, 120000);
});
