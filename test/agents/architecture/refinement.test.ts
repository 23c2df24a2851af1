import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { refineDomainModel } from '../../../agents/blueprint/architecture/refinement';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { runAgents } from '../../support/agentHarness';
import { fixtures } from './fixtures';

const names = (model: DomainModel) =>
  model.contexts.map((c) => `${c.name}: ${c.entities.map((e) => e.name).join(', ')}`);

describe('refining the derived domain model', () => {
  it('adds an entity a story is about to the context of its epic and leaves the input untouched', () => {
    const before = structuredClone(fixtures.toolLibrary);
    const stories = [
      { story: 'US-001', entity: 'Loan', epic: 'EP-01' },
      { story: 'US-002', entity: 'LateFee', epic: 'EP-01' },
    ];
    const { model, changes } = refineDomainModel(fixtures.toolLibrary, stories, []);
    expect(fixtures.toolLibrary).toEqual(before);
    expect(names(model)).toContain('Lending: Tool, Loan, LateFee');
    const fee = model.contexts[1].entities[2];
    expect(fee).toMatchObject({ plural: 'LateFees', slug: 'late-fee', aggregateRoot: true });
    expect(changes).toEqual(['added entity LateFee to context Lending (story US-002 is about it)']);
  });

  it('applies "add entity X to context Y" and "move X to Y" from feedback and reports each outcome', () => {
    const { model, feedbackAddressed } = refineDomainModel(
      fixtures.toolLibrary,
      [],
      [
        'Please add entity Badge to context Membership.',
        'Move Loan to Membership: loans belong to their members.',
        'The blueprint reads well.',
      ],
    );
    expect(names(model)).toEqual(['Membership: Member, Badge, Loan', 'Lending: Tool']);
    // Loan refers to Tool, so Membership now depends on Lending.
    expect(model.contexts[0].dependsOn).toEqual(['Lending']);
    expect(feedbackAddressed.map((f) => f.outcome)).toEqual([
      'added entity Badge to context Membership (named in review feedback).',
      'moved entity Loan from Lending to Membership.',
      'Recorded; no change to the domain model follows from it.',
    ]);
  });

  it('drops a context emptied by a move instead of leaving it without entities', () => {
    const { model } = refineDomainModel(fixtures.clinic, [], ['move Patient to Scheduling']);
    expect(names(model)).toEqual(['Scheduling: Practitioner, Appointment, Patient']);
    expect(model.contexts[0].dependsOn).toEqual([]);
  });
});

describe('the Enterprise Architect with review feedback', () => {
  it('adds the entity a finding names and records the feedback in the blueprint and the ADRs', async () => {
    const vision = readFileSync(
      join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
      'utf8',
    );
    const agents = visionToArchitectureAgents.slice(0, 6);
    const feedback = [
      "Story US-099 is about entity 'Insurance', which is in no bounded context: add entity Insurance to a context.",
    ];
    const run = await runAgents(agents, { visionText: vision, feedback });
    const model = await run.json<DomainModel>('domain-model');
    expect(model.contexts.some((c) => c.entities.some((e) => e.name === 'Insurance'))).toBe(true);
    const blueprint = await run.text('architecture-blueprint');
    expect(blueprint).toContain('## Review feedback addressed');
    expect(blueprint).toMatch(/Insurance is in context \w+/);
    const adr = (await run.store.get(run.tenantId, run.runId, run.all('adr')[0].path)).toString('utf8');
    expect(adr).toContain(feedback[0]);
  });
});
