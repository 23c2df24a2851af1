import { planRules, productRoles, rolesOf } from '../../../toolchain/backend/rulePlan';
import type { BoundedContext, Entity } from '../../../toolchain/schemas/domainModel';
import type { TypedRule } from '../../../toolchain/schemas/typedRule';

const entity = (name: string, extra: Partial<Entity> = {}): Entity => ({
  name,
  plural: `${name}s`,
  slug: name.toLowerCase(),
  description: name,
  aggregateRoot: true,
  attributes: [{ name: 'name', type: 'string', required: true, description: 'name' }],
  relations: [],
  invariants: [],
  ...extra,
});

function contextWith(rules: TypedRule[], texts: string[] = []): BoundedContext {
  const loan = entity('Loan', {
    attributes: [
      { name: 'startDate', type: 'date', required: true, description: 'start' },
      { name: 'endDate', type: 'date', required: true, description: 'end' },
      { name: 'fee', type: 'money', required: false, description: 'fee' },
    ],
    relations: [{ kind: 'belongsTo', target: 'Member', via: 'memberId' }],
    states: ['requested', 'active', 'returned'],
    rules: rules.map((rule, i) => ({ id: `loan-rule-${i + 1}`, text: texts[i] ?? `rule ${i + 1}`, rule })),
  });
  return {
    name: 'Loans',
    slug: 'loans',
    description: 'loans',
    entities: [loan, entity('Member')],
    commands: [
      {
        name: 'ActivateLoan',
        entity: 'Loan',
        verb: 'activate',
        actor: 'member',
        description: 'activate',
        emits: 'LoanActivated',
        transitionTo: 'active',
        allowedFrom: ['requested'],
      },
      {
        name: 'ReturnLoan',
        entity: 'Loan',
        verb: 'return',
        actor: 'member',
        description: 'return',
        emits: 'LoanReturned',
        transitionTo: 'returned',
        allowedFrom: ['active'],
      },
    ],
    events: [],
    dependsOn: [],
  } as unknown as BoundedContext;
}

describe('rule plan', () => {
  it('places each check where the rule is at stake', () => {
    const plan = planRules(
      contextWith([
        { kind: 'count-limit', per: 'Member', max: 2 },
        { kind: 'state-guard', action: 'return', states: ['requested'] },
        { kind: 'frequency-limit', per: 'Member', max: 1, period: 'month' },
      ]),
    );
    expect(plan.unenforced).toEqual([]);
    const [limit, guard, frequency] = plan.enforced;
    // A limit with no states counts only records still active: a returned loan no longer counts.
    expect(limit.check).toEqual({
      kind: 'count-limit',
      key: 'memberId',
      max: 2,
      states: ['requested', 'active'],
    });
    // ...and moving a loan into a counted state is checked as well as writing one.
    expect(limit.triggers).toEqual([{ on: 'write' }, { on: 'command', command: 'activateLoan' }]);
    expect(guard.triggers).toEqual([{ on: 'command', command: 'returnLoan' }]);
    expect(frequency.triggers).toEqual([{ on: 'create' }]);
  });

  it('says why a rule is not enforced instead of dropping it', () => {
    const plan = planRules(
      contextWith([
        { kind: 'count-limit', per: 'Branch', max: 2 },
        { kind: 'state-guard', action: 'renew', states: ['active'] },
        { kind: 'frequency-limit', per: 'Member', max: 1, period: 'season' },
        { kind: 'permission', action: 'create', owner: true },
        { kind: 'unsupported', reason: 'no rule kind matches' },
        { kind: 'state-guard', action: 'return', states: ['lost'] },
      ]),
    );
    expect(plan.enforced).toEqual([]);
    expect(plan.unenforced.map((u) => u.reason)).toEqual([
      'Loan has no reference to Branch',
      "no command or record of Loan matches the action 'renew'",
      'a season has no calendar definition in the vision',
      'a Loan has no owner before it is created',
      'no rule kind matches',
      'Loan has no state lost',
    ]);
  });

  it('restricts an action to callers with a role: a command, an update, a deletion, a creation', () => {
    const rules: TypedRule[] = [
      { kind: 'permission', action: 'return', actors: ['Librarian'] },
      { kind: 'permission', action: 'edit', actors: ['Librarian', 'Manager'] },
      { kind: 'permission', action: 'remove', actors: ['Manager'] },
      { kind: 'permission', action: 'create', actors: ['Member', 'Member'] },
      { kind: 'permission', action: 'return' },
    ];
    const plan = planRules(contextWith(rules));
    expect(plan.enforced.map((r) => [r.triggers, r.status, r.check])).toEqual([
      [[{ on: 'command', command: 'returnLoan' }], 403, { kind: 'permission', roles: ['Librarian'] }],
      [[{ on: 'update' }], 403, { kind: 'permission', roles: ['Librarian', 'Manager'] }],
      [[{ on: 'delete' }], 403, { kind: 'permission', roles: ['Manager'] }],
      [[{ on: 'create' }], 403, { kind: 'permission', roles: ['Member'] }],
    ]);
    expect(plan.unenforced.map((u) => u.reason)).toEqual(['it names no role that may act']);
    expect(rolesOf(plan)).toEqual(['Librarian', 'Manager', 'Member']);
    expect(rolesOf(plan, 'Member')).toEqual([]);
    expect(productRoles([contextWith(rules)])).toEqual([
      { value: 'Librarian', description: "Asked for by the product's rules loan-rule-1, loan-rule-2" },
      { value: 'Manager', description: "Asked for by the product's rules loan-rule-2, loan-rule-3" },
      { value: 'Member', description: "Asked for by the product's rules loan-rule-4" },
    ]);
  });

  it("checks who created the record, or the record it belongs to, for rules about the caller's own", () => {
    const plan = planRules(
      contextWith([
        { kind: 'permission', action: 'return', actors: ['Member'], owner: true },
        { kind: 'permission', action: 'activate', actors: ['Librarian'], notSelf: true },
        { kind: 'permission', action: 'edit', owner: true, of: 'Member' },
      ]),
    );
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map((r) => [r.triggers, r.check])).toEqual([
      [[{ on: 'command', command: 'returnLoan' }], { kind: 'ownership', owner: true }],
      [[{ on: 'command', command: 'activateLoan' }], { kind: 'ownership', owner: false }],
      [
        [{ on: 'update' }],
        { kind: 'ownership', owner: true, related: { entity: 'Member', via: 'memberId' } },
      ],
    ]);
    // The roles an "own" sentence names do not narrow it, and no app role is declared for them.
    expect(rolesOf(plan)).toEqual([]);
  });

  it('computes a charge per day late only between the dates the rule names, never over the whole loan', () => {
    const fee = (span?: { from: string; to: string }): TypedRule => ({
      kind: 'derived-amount',
      attribute: 'fee',
      expression: '2 * days',
      inputs: ['days'],
      ...(span ? { span } : {}),
    });
    const text = 'A late return adds a fee of 2 euros per day.';
    expect(planRules(contextWith([fee()], [text])).unenforced.map((u) => u.reason)).toEqual([
      'it counts days late, but Loan has no due date and return date to count them between',
    ]);
    const [charge] = planRules(contextWith([fee({ from: 'endDate', to: 'startDate' })], [text])).enforced;
    expect(charge.check).toMatchObject({
      kind: 'derived-amount',
      terms: [
        { kind: 'number', value: 2 },
        { kind: 'symbol', symbol: '*' },
        { kind: 'value', operand: { kind: 'duration', start: 'endDate', end: 'startDate', unit: 'day' } },
      ],
    });
  });

  it('reads "on loan" and "borrow" through the record that hands the thing over (picked up, not yet returned)', () => {
    const reservation = entity('Reservation', {
      relations: [
        { kind: 'belongsTo', target: 'Tool', via: 'toolId' },
        { kind: 'belongsTo', target: 'Member', via: 'memberId' },
      ],
      states: ['reserved', 'picked_up', 'returned'],
    });
    const command = (verb: string, to: string, from: string) => ({
      name: `${verb[0].toUpperCase()}${verb.slice(1)}Reservation`,
      entity: 'Reservation',
      verb,
      actor: 'member',
      description: verb,
      emits: `Reservation${verb}`,
      transitionTo: to,
      allowedFrom: [from],
    });
    const rules = (extra: Entity[] = []) =>
      ({
        name: 'Tools',
        slug: 'tools',
        description: 'tools',
        entities: [
          entity('Tool', {
            rules: [
              {
                id: 'tool-rule-1',
                text: 'A tool cannot be reserved while it is on loan.',
                rule: { kind: 'state-guard', action: 'reserve', states: ['on_loan'] },
              },
            ],
          }),
          reservation,
          entity('Loan', {
            relations: [{ kind: 'belongsTo', target: 'Tool', via: 'toolId' }],
            rules: [
              {
                id: 'loan-rule-1',
                text: 'A member may borrow at most 3 tools at the same time.',
                rule: { kind: 'count-limit', per: 'Member', max: 3 },
              },
            ],
          }),
          entity('Member'),
          ...extra,
        ],
        commands: [command('pickUp', 'picked_up', 'reserved'), command('return', 'returned', 'picked_up')],
        events: [],
        dependsOn: [],
      }) as unknown as BoundedContext;
    const plan = planRules(rules());
    expect(plan.unenforced).toEqual([]);
    expect(plan.enforced.map(({ id, hook, triggers, check }) => ({ id, hook, triggers, check }))).toEqual([
      {
        id: 'tool-rule-1',
        hook: 'Reservation',
        triggers: [{ on: 'create' }],
        check: {
          kind: 'in-use',
          via: 'toolId',
          holder: { entity: 'Reservation', via: 'toolId' },
          states: ['picked_up'],
        },
      },
      {
        id: 'loan-rule-1',
        hook: 'Reservation',
        triggers: [{ on: 'write' }, { on: 'command', command: 'pickUpReservation' }],
        check: { kind: 'count-limit', key: 'memberId', max: 3, states: ['picked_up'] },
      },
    ]);
    // Two kinds of record that hand a tool over: which one makes it "on loan" is not guessed.
    const rental = entity('Rental', {
      relations: [{ kind: 'belongsTo', target: 'Tool', via: 'toolId' }],
      states: ['booked', 'collected'],
    });
    expect(planRules(rules([rental])).unenforced.map((u) => [u.id, u.reason])).toEqual([
      ['tool-rule-1', 'no single record of the Tools service hands a Tool over'],
      ['loan-rule-1', 'Loan has no reference to Member'],
    ]);
  });

  it('reads "already allocated" as an Allocation of it existing, and "an item" as the one kind of item that belongs', () => {
    const context = {
      name: 'Plots',
      slug: 'plots',
      description: 'plots',
      entities: [
        entity('Plot'),
        entity('Allocation', { relations: [{ kind: 'belongsTo', target: 'Plot', via: 'plotId' }] }),
        entity('Offer', { relations: [{ kind: 'belongsTo', target: 'Plot', via: 'plotId' }] }),
        entity('Application', {
          rules: [
            {
              id: 'application-rule-1',
              text: 'An application cannot be offered a plot that is already allocated.',
              rule: { kind: 'state-guard', action: 'offer', related: 'Plot', states: ['allocated'] },
            },
          ],
        }),
        entity('Item'),
        entity('DonationItem', { relations: [{ kind: 'belongsTo', target: 'Plot', via: 'plotId' }] }),
      ],
      commands: [],
      events: [],
      dependsOn: [],
    } as unknown as BoundedContext;
    const [guard] = planRules(context).enforced;
    expect(guard).toMatchObject({
      hook: 'Offer',
      triggers: [{ on: 'create' }],
      check: { kind: 'in-use', via: 'plotId', holder: { entity: 'Allocation', via: 'plotId' } },
    });
    expect(guard.check).not.toHaveProperty('states');
    const packed = planRules({
      ...context,
      entities: context.entities.map((e) =>
        e.name === 'Plot'
          ? {
              ...e,
              states: ['new', 'packed'],
              rules: [
                {
                  id: 'plot-rule-1',
                  text: 'A plot must have at least one item before it is packed.',
                  rule: { kind: 'prerequisite', action: 'pack', related: 'Item', min: 1 },
                },
              ],
            }
          : e,
      ),
      commands: [
        {
          name: 'PackPlot',
          entity: 'Plot',
          verb: 'pack',
          actor: 'volunteer',
          description: 'pack',
          emits: 'PlotPacked',
          transitionTo: 'packed',
          allowedFrom: ['new'],
        },
      ],
    } as unknown as BoundedContext).enforced.find((r) => r.id === 'plot-rule-1');
    expect(packed?.check).toEqual({ kind: 'prerequisite', related: 'DonationItem', via: 'plotId', min: 1 });
  });
});
