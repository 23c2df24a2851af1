import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { runAgents } from '../../support/agentHarness';
import { evaluateGate } from '../architecture/support';

const criterionName = 'The analysis takes something from most sentences about the product';

const toolLibrary = `# Tool library

Our street shares a shed full of tools, and nobody knows who has the drill. Members reserve tools for a weekend and
pick them up at the shed. Each tool has a name and a condition. Honestly, it has been a long winter and spirits are
low.
`;

const mostlyMood = `# Street life

Members reserve tools. It rains a lot in spring. Spirits are low in winter. Honestly, nobody knows why.
`;

describe('sentences the vision analysis took nothing from', () => {
  it('counts the sentences about the product and names those that gave nothing', () => {
    const vision = analyseVision(toolLibrary);
    expect(vision.domain.entities.map((e) => e.name)).toEqual(
      expect.arrayContaining(['Member', 'Reservation', 'Tool']),
    );
    expect(vision.reading).toEqual({
      domainSentences: 3,
      unread: ['Honestly, it has been a long winter and spirits are low.'],
    });
  });

  it('reads the words of a descriptive title as things the product may store ("Tool library": tools)', () => {
    const tool = analyseVision(toolLibrary).domain.entities.find((e) => e.name === 'Tool');
    expect(tool?.attributes.map((a) => a.name)).toEqual(expect.arrayContaining(['name', 'condition']));
  });

  it('lists them at the vision gate, and fails it when half or more of them gave nothing', async () => {
    const listed = (
      await evaluateGate(await runAgents(visionToArchitectureAgents, { visionText: toolLibrary }))
    ).find((c) => c.name === criterionName);
    expect(listed).toMatchObject({ passed: true, value: 0.667, threshold: 0.5 });
    expect(listed?.findings).toEqual([
      'Nothing in the domain model comes from "Honestly, it has been a long winter and spirits are low.": name what it is about as something the product keeps, or say it again in other words.',
    ]);

    const failed = (
      await evaluateGate(await runAgents(visionToArchitectureAgents, { visionText: mostlyMood }))
    ).find((c) => c.name === criterionName);
    expect(failed?.passed).toBe(false);
    expect(failed?.value).toBeLessThanOrEqual(0.5);
    expect(failed?.findings.join('\n')).toContain('"Spirits are low in winter."');
  }, 120_000);
});
