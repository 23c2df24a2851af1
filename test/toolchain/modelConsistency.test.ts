import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyseVision } from '../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../agents/blueprint/vision/domainDerivation';
import { domainModelProblems } from '../../toolchain/architecture/modelConsistency';
import type { DomainModel } from '../../toolchain/schemas/domainModel';
import { toolLibraryModel } from '../support/fixtures/toolLibrary';

/*
 * What a domain model's schema cannot say: each broken reference or clashing name is named with where it is, and a
 * model the analysis of a vision derives has none of them.
 */

const broken = (edit: (model: DomainModel) => void): string[] => {
  const model = structuredClone(toolLibraryModel);
  edit(model);
  return domainModelProblems(model);
};
const [membership, lending] = [0, 1];

describe('the consistency of a domain model', () => {
  it('finds nothing in the hand-written fixture or in the models derived from the example visions', () => {
    expect(domainModelProblems(toolLibraryModel)).toEqual([]);
    const folder = join(__dirname, '../../examples/visions');
    for (const file of readdirSync(folder).filter((f) => f.endsWith('.md'))) {
      const model = deriveDomainModel(analyseVision(readFileSync(join(folder, file), 'utf8')));
      expect([file, domainModelProblems(model)]).toEqual([file, []]);
    }
  });

  it('names clashing names', () => {
    expect(
      broken((model) => {
        model.contexts[lending].name = 'Membership';
        model.contexts[lending].entities[0].name = 'Member';
        const tool = model.contexts[lending].entities[0];
        tool.attributes.push(
          { ...tool.attributes[0] },
          { name: 'createdAt', type: 'datetime', required: false, description: '' },
        );
        model.contexts[lending].entities[1].plural = 'Tools';
        model.contexts[lending].commands.push({ ...model.contexts[lending].commands[0] });
      }),
    ).toEqual([
      'Two contexts are named Membership.',
      'Two entities are named Member: entity names are unique across the model.',
      'Two entities of context Membership have the table (plural) tools.',
      'Entity Member (context Membership) has two attributes stored as column name.',
      'Entity Member (context Membership), attribute createdAt: the name is the generated column created_at; rename it.',
      // The renamed Tool leaves what referred to it pointing at nothing.
      'Entity Loan (context Membership) has a belongsTo relation to Tool, which no context has.',
      'Event ToolRetired (context Membership) is about Tool, which is not an entity of Membership.',
      'Context Membership depends on Membership, which is not another context of the model.',
      'Context Membership has two commands named ApproveLoan.',
    ]);
  });

  it('names references to nothing: relations, states, events, payloads, dependencies', () => {
    expect(
      broken((model) => {
        const [tool, loan] = model.contexts[lending].entities;
        tool.relations.push(
          { kind: 'belongsTo', target: 'Shelf', via: 'shelfId' },
          { kind: 'hasMany', target: 'Member', via: 'toolId' },
        );
        loan.states = [...loan.states!, 'approved'];
        loan.relations.push(
          { kind: 'belongsTo', target: 'Tool', via: 'createdBy' },
          { kind: 'belongsTo', target: 'Member', via: 'lender' },
          { kind: 'belongsTo', target: 'Member', via: 'lender' },
        );
        model.contexts[lending].commands[0].allowedFrom = ['pending'];
        model.contexts[lending].commands[1].emits = 'LoanClosed';
        model.contexts[lending].events[0].payload.push('colour');
        model.contexts[lending].events[1].entity = 'Member';
        model.contexts[lending].dependsOn = ['Billing'];
        const member = model.contexts[membership].entities[0];
        member.attributes[0] = { ...member.attributes[0], type: 'enum' };
        member.attributes[4] = { ...member.attributes[4], minimum: 11, maximum: 10 };
        member.attributes.push({ name: 'status', type: 'string', required: false, description: '' });
      }),
    ).toEqual([
      'Entity Member (context Membership), attribute fullName is an enum without enumValues.',
      'Entity Member (context Membership), attribute borrowingLimit: minimum 11 is above maximum 10.',
      'Entity Member (context Membership), attribute status: the name is the generated column status; rename it.',
      'Entity Tool (context Lending) has a belongsTo relation to Shelf, which no context has.',
      'Entity Tool (context Lending) hasMany Member via toolId, but Member has no belongsTo Tool relation that holds the key.',
      'Entity Loan (context Lending) lists state approved twice.',
      'Entity Loan (context Lending): the key of a reference, column created_by, is also another column; rename the via.',
      'Entity Loan (context Lending): two references keep their key in column lender.',
      'Command ApproveLoan (context Lending) names state pending, which Loan does not have (requested, approved, returned, cancelled, approved).',
      'Command ReturnLoan (context Lending) emits LoanClosed, which is not an event of Lending.',
      'Event LoanApproved (context Lending) carries colour, which is not an attribute of Loan.',
      'Event LoanReturned (context Lending) is about Member, which is not an entity of Lending.',
      'Context Lending depends on Billing, which is not another context of the model.',
    ]);
  });
});
