import { productChanges, renderProductChanges } from '../../../agents/blueprint/change/productChanges';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import type { Story } from '../../../toolchain/schemas/backlog';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';
import { toolLibraryBacklog } from '../../support/fixtures/toolLibraryBacklog';

/** The tool library after a change: a waiting list with a rule, a serial number, a required deposit, no notes. */
function changed(): DomainModel {
  const model = structuredClone(toolLibraryModel);
  const lending = model.contexts.find((c) => c.slug === 'lending')!;
  const tool = lending.entities.find((e) => e.name === 'Tool')!;
  tool.attributes = tool.attributes.filter((a) => a.name !== 'notes');
  tool.attributes.push({
    name: 'serialNumber',
    type: 'string',
    required: false,
    description: 'Maker serial',
  });
  lending.entities.find((e) => e.name === 'Loan')!.attributes.find((a) => a.name === 'deposit')!.required =
    true;
  lending.entities.push({
    name: 'WaitlistEntry',
    plural: 'WaitlistEntries',
    slug: 'waitlist-entry',
    description: 'A member waiting for a tool',
    aggregateRoot: true,
    attributes: [{ name: 'position', type: 'integer', required: true, description: 'Place in the queue' }],
    relations: [{ kind: 'belongsTo', target: 'Tool', via: 'toolId' }],
    invariants: [],
    rules: [
      {
        id: 'waitlist-entry-rule-1',
        text: 'A member may hold at most 3 waitlist entries.',
        rule: { kind: 'unsupported', reason: 'not needed for this test' },
      },
    ],
  });
  return model;
}

describe('what a version changes against the release it follows', () => {
  const changes = productChanges(toolLibraryModel, changed(), '1.0.0');

  it('lists entities, attributes, rules and migrations', () => {
    expect(changes.entities).toEqual({ added: ['WaitlistEntry'], removed: [] });
    expect(changes.attributes).toEqual([
      'Tool.serialNumber added (string)',
      'Tool.notes removed',
      'Loan.deposit changed, now required',
    ]);
    expect(changes.rules).toEqual({
      added: ['waitlist-entry-rule-1: A member may hold at most 3 waitlist entries.'],
      removed: [],
    });
    expect(changes.services).toEqual({ added: [], removed: [] });
    // The lending database would lose the notes and has no deposit for loans written before: both refused.
    expect(changes.migrations).toEqual([
      {
        database: 'db/lending',
        changes: expect.arrayContaining(['adds the table waitlist_entries (WaitlistEntry)']),
        refusals: [
          expect.stringContaining('drops the column tools.notes'),
          expect.stringContaining('makes loans.deposit (Loan.deposit) required'),
        ],
      },
    ]);
  });

  it("lists each service's endpoints and schemas, marking what breaks a client of the previous release", () => {
    const lending = changes.endpoints.filter((e) => e.service === 'lending');
    expect(changes.endpoints.filter((e) => e.service !== 'lending')).toEqual([]);
    expect(
      lending.filter((e) => e.change === 'added' && e.what.includes('waitlist-entries')).length,
    ).toBeGreaterThan(1);
    expect(lending.filter((e) => e.change === 'removed')).toEqual([]);
    const tool = lending.find((e) => e.what === 'schema Tool');
    expect(tool).toMatchObject({ change: 'changed', breaking: true });
    expect(tool!.detail).toContain('notes removed');
    expect(tool!.detail).toContain('serialNumber added');
    const markdown = renderProductChanges(changes);
    expect(markdown).toMatch(/^## Changes since release 1\.0\.0\n/);
    expect(markdown).toContain('### Entities added\n\n- WaitlistEntry\n');
    expect(markdown).toContain(
      '### Migration of db/lending\n\n- adds the table waitlist\\_entries (WaitlistEntry)',
    );
    expect(markdown).toContain('- lending: POST /v1/waitlist-entries added\n');
    expect(markdown).toContain('- lending: schema Tool changed (');
    expect(markdown).toMatch(/schema Tool changed \([^)]*\) \*\*breaking\*\*/);
  });

  it('lists the user stories added, removed, or with other acceptance criteria, whatever their numbers', () => {
    const [request, approve] = [toolLibraryBacklog.stories[0], toolLibraryBacklog.stories[1]];
    const waitlist: Story = {
      ...request,
      id: 'US-001',
      title: 'Join the waiting list',
      entity: 'WaitlistEntry',
      iWant: 'to join the waiting list of a tool',
      text: 'As a member, I want to join the waiting list of a tool, so that I get it when it is back',
    };
    // Renumbered as the Product Owner numbers them afresh; the approval story gets one more scenario.
    const now = [
      waitlist,
      {
        ...approve,
        id: 'US-003',
        acceptanceCriteria: [...approve.acceptanceCriteria, approve.acceptanceCriteria[0]],
      },
    ];
    const stories = productChanges(
      toolLibraryModel,
      changed(),
      '1.0.0',
      {},
      { before: [request, approve], now },
    ).stories;
    expect(stories).toEqual({
      added: [`US-001: Join the waiting list (${waitlist.text})`],
      removed: [`${request.id}: ${request.title} (${request.text})`],
      changed: [`US-003: ${approve.title} (${approve.text}): acceptance criteria changed`],
    });
  });

  it('says so when nothing changed', () => {
    const none = productChanges(toolLibraryModel, structuredClone(toolLibraryModel), '1.2.0');
    expect(none).toMatchObject({ attributes: [], endpoints: [], migrations: [] });
    // Without both backlogs there is nothing to say about stories: not every story "added".
    expect(none.stories).toBeUndefined();
    expect(renderProductChanges(none)).toBe(
      '## Changes since release 1.2.0\n\nNone: the product is as it was released.\n',
    );
  });
});
