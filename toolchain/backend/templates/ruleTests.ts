import type { ServiceCommand, ServiceEntity, ServiceModel } from '../model';
import {
  millisecondsIn,
  rolesOf,
  type Check,
  type PlannedRule,
  type PolicyExample,
  type Term,
} from '../rulePlan';
import { bodyFor, farFuture, farPast, referencedRecords, validBody } from '../samples';
import { pathTo } from '../lifecycle';
import { tsLiteral } from '../../escaping/tsLiteral';

const q = tsLiteral;

/**
 * HTTP acceptance tests of the vision's rules: for each enforced rule, the scenario that breaks it (answered
 * 409 or 422 problem+json naming the rule) and the one just inside it (accepted), against the running service.
 * A rule whose scenario cannot be set up from the model (no way to reach a state) gets no test and is reported
 * as enforced but untested.
 */

export interface RuleScenario {
  rule: PlannedRule;
  /** Gherkin of the scenario, also the test's description. */
  gherkin: string[];
  /** Statements of the test body. */
  body: string[];
}

/** States a command may run from (all states when it names none). */
function runnableFrom(entity: ServiceEntity, command: ServiceCommand): string[] {
  return command.allowedFrom.length > 0 ? command.allowedFrom : entity.states;
}

class ScenarioWriter {
  private variant = 20;

  constructor(private readonly model: ServiceModel) {}

  entity(name: string): ServiceEntity {
    return this.model.entities.find((e) => e.name === name)!;
  }

  /** A fresh valid body: a new variant per record, so no two records of the file share values by accident. */
  body(entity: ServiceEntity, overrides: Record<string, string> = {}): string {
    const literal = q(validBody(entity, this.variant++));
    const extra = Object.entries(overrides).map(([field, code]) => `, ${field}: ${code}`);
    return extra.length ? `{ ...${literal}${extra.join('')} }` : literal;
  }

  /** A statement creating a record that the test does not refer to again. */
  created(entity: ServiceEntity, overrides: Record<string, string> = {}): string {
    return `await create(${q(entity.collectionPath)}, ${this.body(entity, overrides)});`;
  }

  /** Creating a record whose dates lie days after those of the records before it (ten variants on). */
  later(entity: ServiceEntity, overrides: Record<string, string>): string {
    this.variant += 10;
    return this.created(entity, overrides);
  }

  /**
   * A limit on records in states a record reaches by commands ("at most 2 loans picked up"): the records that fill
   * it are moved there, and the command that would move one more is refused.
   */
  limitByState(rule: PlannedRule, hook: ServiceEntity, counted: string[]): RuleScenario | undefined {
    const { check } = rule;
    if (check.kind !== 'count-limit') return undefined;
    const path = pathTo(hook, counted);
    if (!path || path.length === 0) return undefined;
    const last = path[path.length - 1];
    const steps = (id: string, commands: ServiceCommand[]) =>
      commands.map((c) => `await ok(await run(${q(c.path)}, ${id}));`);
    const key = `'00000000-0000-4000-8000-${String(7500 + this.variant).padStart(12, '0')}'`;
    return {
      rule,
      gherkin: [
        `Scenario: ${rule.id} is enforced`,
        `  Given ${check.max} ${hook.entity.plural} with the same ${check.key} that are ${counted.join(' or ')}`,
        `  When ${last.command.name} is requested for another one`,
        `  Then it is refused with ${rule.status} naming ${rule.id}`,
      ],
      body: [
        `const key = ${key};`,
        ...Array.from({ length: check.max }, (_, n) => [
          ...this.record(`held${n}`, hook, [], { [check.key]: 'key' }),
          ...steps(`held${n}`, path),
        ]).flat(),
        ...this.record('next', hook, [], { [check.key]: 'key' }),
        ...steps('next', path.slice(0, -1)),
        `assertViolation(await run(${q(last.path)}, next), ${rule.status}, ${q(rule.id)});`,
      ],
    };
  }

  /**
   * An amount counted up to the time a command records ("2 euros per day late" up to `returnedAt`, which the return
   * command sets): a record due long ago is taken through its commands, and the amount must be what the time the
   * service recorded gives. Nothing when no command records that time or the path to it is blocked.
   */
  stampedAmount(
    hook: ServiceEntity,
    check: Extract<Check, { kind: 'derived-amount' }>,
    body: Record<string, unknown>,
    keys: string,
  ): string[] {
    const span = check.terms.flatMap((t) =>
      t.kind === 'value' && t.operand.kind === 'duration' ? [t.operand] : [],
    )[0];
    const command = hook.commands.find((c) => c.stamp && c.stamp.name === span?.end);
    const start = hook.attributes.find((a) => a.name === span?.start);
    const end = hook.attributes.find((a) => a.name === span?.end);
    if (!span || !command || !start || !end || end.required) return [];
    const run = this.commandRun(hook, command.fn);
    if (!run) return [];
    const expected = amountCode(check, 'recorded');
    if (!expected) return [];
    const { [span.end]: _recorded, ...rest } = { ...body, ...run.setup.overrides };
    const due = start.type === 'date' ? '2020-01-06' : '2020-01-06T09:00:00.000Z';
    const late = { ...rest, [span.start]: due };
    return [
      `const id = await create(${q(hook.collectionPath)}, { ...${q(late)}${keys} });`,
      ...run.setup.statements,
      ...[...run.path, run.command].map((c) => `await ok(await run(${q(c.path)}, id));`),
      `const returned = (await call(port, 'GET', ${q(hook.collectionPath + '/')} + id)).body;`,
      `const recorded: Record<string, unknown> = { ...${q(late)}, ${span.end}: field(returned, ${q(span.end)}) };`,
      `assert.ok(recorded.${span.end}, ${q(`${command.command.name} records ${span.end}`)});`,
      `assert.equal(field(returned, ${q(check.attribute)}), ${expected});`,
    ];
  }

  /**
   * A thing that is with someone ("on loan"): a record that hands it over is moved into a hand-over state, and
   * then the guarded action on the thing is refused, while the same action on a thing nobody has is accepted.
   */
  inUse(
    rule: PlannedRule,
    hook: ServiceEntity,
    check: Extract<Check, { kind: 'in-use' }>,
  ): RuleScenario | undefined {
    const trigger = rule.triggers[0];
    const holder = this.entity(check.holder.entity);
    const held = check.states ? pathTo(holder, check.states) : [];
    if (!held) return undefined;
    const thing =
      check.via === 'id'
        ? hook
        : this.model.entities.find((e) =>
            hook.entity.relations.some((r) => r.via === check.via && r.target === e.name),
          );
    if (!thing) return undefined;
    // The guarded request on the thing that is lent, and the statement that makes it on the free one.
    let refusedCall: string;
    let accepted: string;
    let when: string;
    if (trigger.on === 'create' && check.via !== 'id') {
      refusedCall = `await post(${q(hook.collectionPath)}, ${this.body(hook, { [check.via]: 'lent' })})`;
      accepted = this.created(hook, { [check.via]: 'free' });
      when = `a ${hook.name} of it is created`;
    } else if (trigger.on === 'command' && check.via === 'id') {
      const command = this.commandOf(hook, trigger.command);
      const path = pathTo(hook, runnableFrom(hook, command));
      if (!path || path.length > 0) return undefined;
      refusedCall = `await run(${q(command.path)}, lent)`;
      accepted = `await ok(await run(${q(command.path)}, free));`;
      when = `${command.command.name} is requested`;
    } else return undefined;
    return {
      rule,
      gherkin: [
        `Scenario: ${rule.id} is enforced`,
        `  Given a ${thing.name} with a ${holder.name}${check.states ? ` that is ${check.states.join(' or ')}` : ''}`,
        `  When ${when}`,
        `  Then it is refused with ${rule.status} naming ${rule.id}, and the same for a ${thing.name} nobody has is accepted`,
      ],
      body: [
        ...this.record('lent', thing, []),
        ...(held.length > 0
          ? this.record('holding', holder, held, { [check.holder.via]: 'lent' })
          : [this.created(holder, { [check.holder.via]: 'lent' })]),
        `assertViolation(${refusedCall}, ${rule.status}, ${q(rule.id)});`,
        ...this.record('free', thing, []),
        accepted,
      ],
    };
  }

  /**
   * `const change = ...`: a PATCH body setting a field that names no other record to the value it has at `item`, so
   * the change breaks no other rule; undefined when the entity has no such field.
   */
  unchanged(entity: ServiceEntity, item: string): string | undefined {
    const plain = entity.attributes.filter((a) => !a.uuid);
    const field = (plain.find((a) => a.required) ?? plain[0])?.name;
    return (
      field && `const change = { ${field}: field((await call(port, 'GET', ${item})).body, ${q(field)}) };`
    );
  }

  /**
   * Running a command on a fresh record: the commands that bring it to a state the command runs from, and what the
   * vision's rules on them need first (`commandSetup`); undefined when no state it runs from can be reached.
   */
  commandRun(hook: ServiceEntity, fn: string) {
    const command = this.commandOf(hook, fn);
    const path = pathTo(hook, runnableFrom(hook, command));
    if (!path) return undefined;
    const setup = commandSetup(this.model, hook, [...path.map((c) => c.fn), command.fn], this.variant);
    this.variant += 5;
    return { command, path, setup };
  }

  commandOf(entity: ServiceEntity, fn: string): ServiceCommand {
    return entity.commands.find((c) => c.fn === fn)!;
  }

  /** Statements creating a record and moving it through commands; `name` holds its id. */
  record(
    name: string,
    entity: ServiceEntity,
    path: ServiceCommand[],
    overrides: Record<string, string> = {},
  ) {
    return [
      `const ${name} = await create(${q(entity.collectionPath)}, ${this.body(entity, overrides)});`,
      ...path.map((c) => `await ok(await run(${q(c.path)}, ${name}));`),
    ];
  }

  /**
   * Who may act: a caller with every other role of the service but none of the rule's is refused with 403 naming
   * the rule; the tester, who holds them all, is accepted.
   */
  permission(rule: PlannedRule, hook: ServiceEntity, roles: string[]): RuleScenario | undefined {
    const trigger = rule.triggers[0];
    const others = rolesOf(this.model.rules).filter((role) => !roles.includes(role));
    const outsider = `{ subject: 'outsider', roles: ${q(others)} }`;
    const item = (id: string) => `${q(hook.collectionPath + '/')} + ${id}`;
    const gherkin = (when: string) => [
      `Scenario: ${rule.id} is enforced`,
      `  Given a caller whose token grants none of the roles ${roles.join(', ')}`,
      `  When ${when}`,
      `  Then it is refused with 403 naming ${rule.id}, and a caller with the role is accepted`,
    ];
    const refused = (reply: string) => `assertViolation(${reply}, 403, ${q(rule.id)});`;
    switch (trigger.on) {
      case 'create':
      case 'write': {
        const body = this.body(hook);
        return {
          rule,
          gherkin: gherkin(`a ${hook.name} is created`),
          body: [
            `const body = await withReferences(port, ${q(hook.collectionPath)}, ${body}, references);`,
            refused(`await call(port, 'POST', ${q(hook.collectionPath)}, body, undefined, ${outsider})`),
            `await create(${q(hook.collectionPath)}, body);`,
          ],
        };
      }
      case 'update': {
        const change = this.unchanged(hook, `${q(hook.collectionPath + '/')} + subject`);
        if (!change) return undefined;
        return {
          rule,
          gherkin: gherkin(`a ${hook.name} is changed`),
          body: [
            ...this.record('subject', hook, []),
            change,
            refused(`await call(port, 'PATCH', ${item('subject')}, change, undefined, ${outsider})`),
            `assert.equal((await call(port, 'PATCH', ${item('subject')}, change)).status, 200);`,
          ],
        };
      }
      case 'delete':
        return {
          rule,
          gherkin: gherkin(`a ${hook.name} is deleted`),
          body: [
            ...this.record('subject', hook, []),
            refused(`await call(port, 'DELETE', ${item('subject')}, undefined, undefined, ${outsider})`),
            `assert.equal((await call(port, 'DELETE', ${item('subject')})).status, 204);`,
          ],
        };
      case 'command': {
        const run = this.commandRun(hook, trigger.command);
        if (!run) return undefined;
        const { command, path, setup } = run;
        const body = { ...validBody(hook, this.variant++), ...setup.overrides };
        return {
          rule,
          gherkin: gherkin(`${command.command.name} is requested`),
          body: [
            `const id = await create(${q(hook.collectionPath)}, ${q(body)});`,
            ...setup.statements,
            ...path.map((c) => `await ok(await run(${q(c.path)}, id));`),
            refused(
              `await call(port, 'POST', ${q(command.path)}.replace('{id}', id), undefined, undefined, ${outsider})`,
            ),
            `await ok(await run(${q(command.path)}, id));`,
          ],
        };
      }
    }
  }

  /**
   * Whose record it is: the tester creates it (or the record it belongs to); for "only the owner" another user is
   * refused with 403 naming the rule and the tester accepted, for "not their own" the other way round.
   */
  ownership(
    rule: PlannedRule,
    hook: ServiceEntity,
    check: Extract<Check, { kind: 'ownership' }>,
  ): RuleScenario | undefined {
    const trigger = rule.triggers[0];
    const roles = q(rolesOf(this.model.rules));
    // Whoever the other tests have make such records: the reviewer where a rule keeps one from making them of
    // one's own, the tester otherwise.
    const creator = reviewedOperations(this.model).includes(hook.collectionPath)
      ? 'reviewer'
      : `{ subject: 'tester', roles: ${roles} }`;
    const other = `{ subject: 'outsider', roles: ${roles} }`;
    const [refusedCaller, acceptedCaller] = check.owner ? [other, creator] : [creator, other];
    const owned = check.related ? this.entity(check.related.entity) : hook;
    const refused = (reply: string) => `assertViolation(${reply}, 403, ${q(rule.id)});`;
    const as = (caller: string, method: string, path: string, body = 'undefined') =>
      `await call(port, '${method}', ${path}, ${body}, undefined, ${caller})`;
    const madeBy = (
      name: string,
      entity: ServiceEntity,
      overrides: Record<string, string> = {},
      caller = creator,
    ) => [
      `const ${name}Body = await withReferences(port, ${q(entity.collectionPath)}, ${this.body(entity, overrides)}, references);`,
      `const ${name}Reply = ${as(caller, 'POST', q(entity.collectionPath), `${name}Body`)};`,
      `assert.equal(${name}Reply.status, 201, ${name}Reply.text);`,
      `const ${name} = String(field(${name}Reply.body, 'id'));`,
    ];
    const who = check.owner ? 'another user' : 'its creator';
    const gherkin = (when: string) => [
      `Scenario: ${rule.id} is enforced`,
      `  Given a ${owned.name} created by one user`,
      `  When ${who} ${when}`,
      `  Then it is refused with 403 naming ${rule.id}, and ${check.owner ? 'its creator' : 'another user'} is accepted`,
    ];
    // The record acted on (`subject`): made by the tester, or by whoever may make it when it belongs to the owned one.
    const actedOn = (overrides: Record<string, string> = {}) =>
      check.related
        ? [
            ...madeBy('owned', owned),
            `const subject = await create(${q(hook.collectionPath)}, ${this.body(hook, { ...overrides, [check.related.via]: 'owned' })});`,
          ]
        : madeBy('subject', hook, overrides);
    const item = `${q(hook.collectionPath + '/')} + subject`;
    switch (trigger.on) {
      case 'create':
      case 'write': {
        if (!check.related) return undefined;
        const via = check.related.via;
        return {
          rule,
          gherkin: gherkin(`creates a ${hook.name} of it`),
          body: [
            ...madeBy('owned', owned),
            `const first = await withReferences(port, ${q(hook.collectionPath)}, ${this.body(hook, { [via]: 'owned' })}, references);`,
            refused(as(refusedCaller, 'POST', q(hook.collectionPath), 'first')),
            `const second = await withReferences(port, ${q(hook.collectionPath)}, ${this.body(hook, { [via]: 'owned' })}, references);`,
            `const accepted = ${as(acceptedCaller, 'POST', q(hook.collectionPath), 'second')};`,
            'assert.equal(accepted.status, 201, accepted.text);',
            // Moving it to a record the rule keeps it from (one the other user made) is refused the same way.
            ...madeBy('elsewhere', owned, {}, other),
            refused(
              as(
                acceptedCaller,
                'PATCH',
                `${q(hook.collectionPath + '/')} + String(field(accepted.body, 'id'))`,
                `{ ${via}: elsewhere }`,
              ),
            ),
          ],
        };
      }
      case 'update': {
        const change = this.unchanged(hook, item);
        if (!change) return undefined;
        return {
          rule,
          gherkin: gherkin(`changes the ${hook.name}`),
          body: [
            ...actedOn(),
            change,
            refused(as(refusedCaller, 'PATCH', item, 'change')),
            `assert.equal((${as(acceptedCaller, 'PATCH', item, 'change')}).status, 200);`,
          ],
        };
      }
      case 'delete':
        return {
          rule,
          gherkin: gherkin(`deletes the ${hook.name}`),
          body: [
            ...actedOn(),
            refused(as(refusedCaller, 'DELETE', item)),
            `assert.equal((${as(acceptedCaller, 'DELETE', item)}).status, 204);`,
          ],
        };
      case 'command': {
        const run = this.commandRun(hook, trigger.command);
        if (!run) return undefined;
        const { command, path, setup } = run;
        const overrides = Object.fromEntries(Object.entries(setup.overrides).map(([k, v]) => [k, q(v)]));
        const target = `${q(command.path)}.replace('{id}', subject)`;
        return {
          rule,
          gherkin: gherkin(`requests ${command.command.name}`),
          body: [
            ...actedOn(overrides),
            ...(setup.statements.length ? ['const id = subject;', ...setup.statements] : []),
            ...path.map((c) => `await ok(await run(${q(c.path)}, subject));`),
            refused(as(refusedCaller, 'POST', target)),
            `await ok(${as(acceptedCaller, 'POST', target)});`,
          ],
        };
      }
      default:
        return undefined;
    }
  }

  scenario(rule: PlannedRule): RuleScenario | undefined {
    const hook = this.entity(rule.hook);
    const check = rule.check;
    const refused = `assertViolation(%REPLY%, ${rule.status}, ${q(rule.id)});`;
    const expectRefused = (reply: string) => refused.replace('%REPLY%', reply);
    const given = (text: string, when: string): string[] => [
      `Scenario: ${rule.id} is enforced`,
      `  Given ${text}`,
      `  When ${when}`,
      `  Then it is refused with ${rule.status} naming ${rule.id}, and the request inside the rule is accepted`,
    ];
    const trigger = rule.triggers[0];
    switch (check.kind) {
      case 'count-limit':
      case 'frequency-limit': {
        const counted = check.kind === 'count-limit' ? check.states : undefined;
        if (counted && !counted.includes(hook.states[0])) return this.limitByState(rule, hook, counted);
        const key = `'00000000-0000-4000-8000-${String(7000 + this.variant).padStart(12, '0')}'`;
        return {
          rule,
          gherkin: given(
            `${check.max} ${hook.entity.plural} with the same ${check.key}`,
            `another ${hook.name} with that ${check.key} is created`,
          ),
          body: [
            `const key = ${key};`,
            ...Array.from({ length: check.max }, () => this.created(hook, { [check.key]: 'key' })),
            `${expectRefused(`await post(${q(hook.collectionPath)}, ${this.body(hook, { [check.key]: 'key' })})`)}`,
            this.created(hook),
          ],
        };
      }
      case 'state-guard': {
        if (!check.related && trigger.on === 'command') {
          const command = this.commandOf(hook, trigger.command);
          const path = pathTo(hook, check.states);
          if (!path) return undefined;
          const allowed = pathTo(
            hook,
            runnableFrom(hook, command).filter((s) => !check.states.includes(s)),
          );
          return {
            rule,
            gherkin: given(
              `a ${hook.name} that is ${check.states.join(' or ')}`,
              `${command.command.name} is requested`,
            ),
            body: [
              ...this.record('guarded', hook, path),
              expectRefused(`await run(${q(command.path)}, guarded)`),
              ...(allowed
                ? [...this.record('free', hook, allowed), `await ok(await run(${q(command.path)}, free));`]
                : []),
            ],
          };
        }
        if (check.related && trigger.on === 'create') {
          const related = this.entity(check.related.entity);
          const path = pathTo(related, check.states);
          if (!path) return undefined;
          return {
            rule,
            gherkin: given(
              `a ${related.name} that is ${check.states.join(' or ')}`,
              `a ${hook.name} of it is created`,
            ),
            body: [
              ...this.record('guarded', related, path),
              expectRefused(
                `await post(${q(hook.collectionPath)}, ${this.body(hook, { [check.related.via]: 'guarded' })})`,
              ),
              ...this.record('free', related, []),
              `await create(${q(hook.collectionPath)}, ${this.body(hook, { [check.related.via]: 'free' })});`,
            ],
          };
        }
        return undefined;
      }
      case 'in-use':
        return this.inUse(rule, hook, check);
      case 'uniqueness': {
        const copied = [...check.fields, ...(check.key ? [check.key] : [])];
        const first = validBody(hook, this.variant);
        return {
          rule,
          gherkin: given(`a ${hook.name}`, `another one with the same ${copied.join(' and ')} is created`),
          body: [
            `const first = ${q(first)};`,
            `await create(${q(hook.collectionPath)}, first);`,
            expectRefused(
              `await post(${q(hook.collectionPath)}, ${this.body(
                hook,
                Object.fromEntries(copied.map((f) => [f, `first.${f}`])),
              )})`,
            ),
          ],
        };
      }
      case 'no-overlap': {
        const first = validBody(hook, this.variant++);
        const key = `'00000000-0000-4000-8000-${String(8000 + this.variant).padStart(12, '0')}'`;
        return {
          rule,
          gherkin: given(
            `a ${hook.name} from ${check.start} to ${check.end}`,
            `another one with the same ${check.key} and the same period is created`,
          ),
          body: [
            `const key = ${key};`,
            `const first = { ...${q(first)}, ${check.key}: key };`,
            `await create(${q(hook.collectionPath)}, first);`,
            expectRefused(
              `await post(${q(hook.collectionPath)}, ${this.body(hook, {
                [check.key]: 'key',
                [check.start]: `first.${check.start}`,
                [check.end]: `first.${check.end}`,
              })})`,
            ),
            this.later(hook, { [check.key]: 'key' }),
          ],
        };
      }
      case 'comparison': {
        if (check.right.kind === 'related') {
          const { entity, via } = check.right;
          const holder = this.entity(entity);
          const relatedBody = validBody(holder, this.variant++);
          const broken = bodyFor(hook, check, this.variant++, { related: relatedBody });
          const kept = bodyFor(hook, check, this.variant++, { related: relatedBody, keep: true });
          if (!broken || !kept) return undefined;
          return {
            rule,
            gherkin: given(`a ${holder.name}`, `a ${hook.name} of it whose values break the rule is created`),
            body: [
              `const holder = await create(${q(holder.collectionPath)}, ${q(relatedBody)});`,
              expectRefused(`await post(${q(hook.collectionPath)}, { ...${q(broken)}, ${via}: holder })`),
              `await create(${q(hook.collectionPath)}, { ...${q(kept)}, ${via}: holder });`,
            ],
          };
        }
        const broken = bodyFor(hook, check, this.variant++);
        if (!broken) return undefined;
        return {
          rule,
          gherkin: given(`a ${hook.name} whose values break the rule`, 'it is created'),
          body: [expectRefused(`await post(${q(hook.collectionPath)}, ${q(broken)})`), this.created(hook)],
        };
      }
      case 'time-window': {
        const late = check.relation === 'before' ? farPast : farFuture;
        const early = check.relation === 'before' ? farFuture : farPast;
        const holder = check.related ? this.entity(check.related.entity) : hook;
        const type = holder.attributes.find((a) => a.name === check.anchor)?.type;
        if (type !== 'date' && type !== 'datetime') return undefined;
        const at = (values: typeof farPast) => ({ [check.anchor]: q(values[type]) });
        if (!check.related && trigger.on === 'command') {
          const command = this.commandOf(hook, trigger.command);
          const path = pathTo(hook, runnableFrom(hook, command));
          if (!path) return undefined;
          return {
            rule,
            gherkin: given(
              `a ${hook.name} whose ${check.anchor} is outside the window`,
              `${command.command.name} is requested`,
            ),
            body: [
              ...this.record('outside', hook, path, at(late)),
              expectRefused(`await run(${q(command.path)}, outside)`),
              ...this.record('inside', hook, path, at(early)),
              `await ok(await run(${q(command.path)}, inside));`,
            ],
          };
        }
        if (check.related && trigger.on === 'create') {
          return {
            rule,
            gherkin: given(
              `a ${holder.name} whose ${check.anchor} is outside the window`,
              `a ${hook.name} of it is created`,
            ),
            body: [
              ...this.record('outside', holder, [], at(late)),
              expectRefused(
                `await post(${q(hook.collectionPath)}, ${this.body(hook, { [check.related.via]: 'outside' })})`,
              ),
              ...this.record('inside', holder, [], at(early)),
              `await create(${q(hook.collectionPath)}, ${this.body(hook, { [check.related.via]: 'inside' })});`,
            ],
          };
        }
        return undefined;
      }
      case 'derived-amount': {
        const related = [
          ...new Map(
            check.terms.flatMap((t) =>
              t.kind === 'value' && t.operand.kind === 'related' ? [[t.operand.via, t.operand] as const] : [],
            ),
          ).values(),
        ];
        const relatedBodies = new Map(
          related.map((r) => [r.via, validBody(this.entity(r.entity), this.variant++)]),
        );
        const body = validBody(hook, this.variant++);
        const expected = expectedAmount(check, body, relatedBodies);
        if (expected === undefined) return undefined;
        const keys = related.map((r) => `, ${r.via}: ${r.via}`).join('');
        return {
          rule,
          gherkin: [
            `Scenario: ${rule.id} is computed`,
            `  Given a ${hook.name} and the records it is computed from`,
            `  When it is created`,
            `  Then its ${check.attribute} is ${String(expected)}, and a client cannot set it`,
          ],
          body: [
            ...related.map(
              (r) =>
                `const ${r.via} = await create(${q(this.entity(r.entity).collectionPath)}, ${q(relatedBodies.get(r.via))});`,
            ),
            `const created = await post(${q(hook.collectionPath)}, { ...${q(body)}${keys} });`,
            'assert.equal(created.status, 201, created.text);',
            `assert.equal(field(created.body, ${q(check.attribute)}), ${q(expected)});`,
            `const set = await post(${q(hook.collectionPath)}, { ...${q(body)}${keys}, ${check.attribute}: ${q(expected)} });`,
            'assert.equal(set.status, 400, set.text);',
            ...this.stampedAmount(hook, check, body, keys),
          ],
        };
      }
      case 'effect': {
        if (trigger.on !== 'command') return undefined;
        const command = this.commandOf(hook, trigger.command);
        const path = pathTo(hook, runnableFrom(hook, command));
        if (!path) return undefined;
        const holder = this.entity(check.related.entity);
        const targetBody = validBody(holder, this.variant++);
        const setup = commandSetup(this.model, hook, [...path.map((c) => c.fn), command.fn], this.variant);
        this.variant += 5;
        const body = { ...validBody(hook, this.variant++), ...setup.overrides };
        const by = check.by.kind === 'number' ? check.by.value : Number(body[check.by.name]);
        const before = Number(targetBody[check.attribute]);
        const after = check.change === 'increase' ? before + by : before - by;
        const expected = check.type === 'money' ? cents(after) : after;
        return {
          rule,
          gherkin: [
            `Scenario: ${rule.id} changes the ${holder.name}`,
            `  Given a ${holder.name} whose ${check.attribute} is ${String(targetBody[check.attribute])}`,
            `  When ${command.command.name} is requested for a ${hook.name} of it`,
            `  Then the ${holder.name}'s ${check.attribute} is ${String(expected)}`,
          ],
          body: [
            `const target = await create(${q(holder.collectionPath)}, ${q(targetBody)});`,
            `const id = await create(${q(hook.collectionPath)}, { ...${q(body)}, ${check.related.via}: target });`,
            ...setup.statements,
            ...path.map((c) => `await ok(await run(${q(c.path)}, id));`),
            `await ok(await run(${q(command.path)}, id));`,
            `const changed = await call(port, 'GET', ${q(`${holder.collectionPath}/`)} + target);`,
            `assert.equal(field(changed.body, ${q(check.attribute)}), ${q(expected)});`,
          ],
        };
      }
      case 'policy': {
        // Each of the rule's examples as a request: a record it allows is accepted, one it refuses answers the rule.
        const values = (example: PolicyExample) =>
          Object.fromEntries(Object.entries(example.values).map(([field, value]) => [field, q(value)]));
        const onUpdate = trigger.on === 'update';
        const item = `${q(hook.collectionPath + '/')} + subject`;
        return {
          rule,
          gherkin: given(
            `the examples of ${rule.id}: ${check.examples.filter((e) => !e.allowed).length} records it refuses and ${check.examples.filter((e) => e.allowed).length} it allows`,
            onUpdate ? `a ${hook.name} is changed to each` : `each is created as a ${hook.name}`,
          ),
          body: check.examples.flatMap((example) => {
            if (!onUpdate) {
              return example.allowed
                ? [this.created(hook, values(example))]
                : [
                    expectRefused(
                      `await post(${q(hook.collectionPath)}, ${this.body(hook, values(example))})`,
                    ),
                  ];
            }
            const change = `{ ${Object.entries(values(example))
              .map(([field, code]) => `${field}: ${code}`)
              .join(', ')} }`;
            const reply = `await call(port, 'PATCH', ${item}, ${change})`;
            return [
              '{',
              ...this.record('subject', hook, []).map((line) => `  ${line}`),
              example.allowed ? `  assert.equal((${reply}).status, 200);` : `  ${expectRefused(reply)}`,
              '}',
            ];
          }),
        };
      }
      case 'permission':
        return this.permission(rule, hook, check.roles);
      case 'ownership':
        return this.ownership(rule, hook, check);
      case 'prerequisite': {
        if (trigger.on !== 'command' || check.min < 1) return undefined;
        const command = this.commandOf(hook, trigger.command);
        const path = pathTo(hook, runnableFrom(hook, command));
        const related = this.entity(check.related);
        if (!path) return undefined;
        return {
          rule,
          gherkin: given(
            `a ${hook.name} with fewer than ${check.min} ${related.entity.plural}`,
            `${command.command.name} is requested`,
          ),
          body: [
            ...this.record('subject', hook, path),
            expectRefused(`await run(${q(command.path)}, subject)`),
            ...Array.from({ length: check.min }, () => this.created(related, { [check.via]: 'subject' })),
            `await ok(await run(${q(command.path)}, subject));`,
          ],
        };
      }
    }
  }
}

/**
 * The generated test's own arithmetic for a derived amount of `record` (a variable holding the record's fields), as
 * TypeScript source; undefined when it reads another record's fields.
 */
function amountCode(check: Extract<Check, { kind: 'derived-amount' }>, record: string): string | undefined {
  const parts: string[] = [];
  for (const term of check.terms) {
    if (term.kind !== 'value') parts.push(term.kind === 'symbol' ? term.symbol : String(term.value));
    else if (term.operand.kind === 'duration') {
      const { start, end, unit } = term.operand;
      parts.push(
        `Math.max(0, Math.ceil((Date.parse(String(${record}.${end})) - Date.parse(String(${record}.${start}))) / ${millisecondsIn(unit)}))`,
      );
    } else if (term.operand.kind === 'attribute') parts.push(`Number(${record}.${term.operand.name})`);
    else return undefined;
  }
  const value = `(${parts.join(' ')})`;
  if (check.type === 'money') return `(Math.round(${value} * 100) / 100).toFixed(2)`;
  return check.type === 'integer' ? `Math.round(${value})` : value;
}

/** An amount of money as the API writes it, rounded to the cent. */
const cents = (value: number) => (Math.round(value * 100) / 100).toFixed(2);

/**
 * What a derived amount must come to for the given bodies: the test's own reading of the arithmetic (numbers,
 * money as decimal strings, whole periods between start and end), independent of the service's code.
 */
function expectedAmount(
  check: Extract<Check, { kind: 'derived-amount' }>,
  body: Record<string, unknown>,
  related: Map<string, Record<string, unknown>>,
): number | string | undefined {
  const values = check.terms.map((term: Term): number | string => {
    if (term.kind !== 'value') return term.kind === 'symbol' ? term.symbol : term.value;
    const { operand } = term;
    if (operand.kind === 'duration') {
      const span = Date.parse(String(body[operand.end])) - Date.parse(String(body[operand.start]));
      return Math.max(0, Math.ceil(span / millisecondsIn(operand.unit)));
    }
    const source = operand.kind === 'related' ? related.get(operand.via) : body;
    return Number(source?.[operand.name]);
  });
  let at = 0;
  const operand = (): number => {
    const token = values[at++];
    if (token === '(') {
      const inner = sum();
      at++;
      return inner;
    }
    return token as number;
  };
  const product = (): number => {
    let value = operand();
    while (values[at] === '*' || values[at] === '/')
      value = values[at++] === '*' ? value * operand() : value / operand();
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (values[at] === '+' || values[at] === '-')
      value = values[at++] === '+' ? value + product() : value - product();
    return value;
  };
  const result = sum();
  if (!Number.isFinite(result)) return undefined;
  if (check.type === 'money') return cents(result);
  return check.type === 'integer' ? Math.round(result) : result;
}

/**
 * What a test that runs commands on a record must do so that the vision's rules let them through: dates that
 * keep time windows open (set in the create body) and the related records a prerequisite asks for (created
 * after the record, whose id is in `id`).
 */
export function commandSetup(
  model: ServiceModel,
  entity: ServiceEntity,
  commands: string[],
  variant: number,
): { overrides: Record<string, unknown>; statements: string[] } {
  const overrides: Record<string, unknown> = {};
  const statements: string[] = [];
  for (const rule of model.rules.enforced) {
    const trigger = rule.triggers[0];
    if (rule.hook !== entity.name || trigger.on !== 'command' || !commands.includes(trigger.command))
      continue;
    const { check } = rule;
    if (check.kind === 'time-window' && !check.related) {
      const type = entity.attributes.find((a) => a.name === check.anchor)?.type;
      if (type === 'date' || type === 'datetime') {
        overrides[check.anchor] = (check.relation === 'before' ? farFuture : farPast)[type];
      }
    }
    if (check.kind === 'prerequisite') {
      const related = model.entities.find((e) => e.name === check.related)!;
      for (let n = 0; n < check.min; n++) {
        const body = q(validBody(related, variant + n));
        statements.push(
          `assert.equal((await post(${q(related.collectionPath)}, { ...${body}, ${check.via}: id })).status, 201);`,
        );
      }
    }
  }
  return { overrides, statements };
}

/**
 * Who the generated HTTP tests call as (`actAs`), `references`, and `post`, which creates a record after the records
 * its body refers to (kit `withReferences`).
 */
export function referencesPreamble(
  model: ServiceModel,
  options = { post: true, run: true, reviewer: true },
): string[] {
  const roles = q(rolesOf(model.rules));
  const reviewed = reviewedOperations(model);
  const post = [
    'const post = async (path: string, body?: unknown) =>',
    reviewed.length
      ? `  call(port, 'POST', path, await withReferences(port, path, body, references), undefined, reviewed.has(path) ? reviewer : undefined);`
      : `  call(port, 'POST', path, await withReferences(port, path, body, references));`,
    '',
  ];
  return [
    `/** The tests call as a tester signed in with every role the service's rules name, unless a test says otherwise. */`,
    `actAs({ subject: 'tester', roles: ${roles} });`,
    // Declared where used only: an unused constant does not compile.
    ...(reviewed.length && (options.reviewer || options.post || options.run)
      ? [
          `/** Another signed-in user, for what a rule forbids on one's own records (creates by path, commands by path template). */`,
          `const reviewer = { subject: 'reviewer', roles: ${roles} };`,
        ]
      : []),
    ...(reviewed.length && (options.post || options.run)
      ? [`const reviewed = new Set<string>(${q(reviewed)});`]
      : []),
    '',
    `const references: References = ${q(referencesOf(model))};`,
    '',
    ...(options.post ? post : []),
  ];
}

/**
 * What the generated tests do as another signed-in user than the tester, because a rule forbids it on one's own
 * records: a command ("cannot approve their own": its path template), and the records of an entity one may not make
 * of one's own record ("cannot review their own submission": the reviews' collection path and commands, so that
 * whoever made a review also acts on it).
 */
export function reviewedOperations(model: ServiceModel): string[] {
  const paths = model.rules.enforced.flatMap((rule) => {
    if (rule.check.kind !== 'ownership' || rule.check.owner) return [];
    const hook = model.entities.find((e) => e.name === rule.hook)!;
    return rule.triggers.flatMap((trigger) =>
      trigger.on === 'create' || trigger.on === 'write'
        ? [hook.collectionPath, ...hook.commands.map((c) => c.path)]
        : trigger.on === 'command'
          ? hook.commands.filter((c) => c.fn === trigger.command).map((c) => c.path)
          : [],
    );
  });
  return [...new Set(paths)];
}

/**
 * The arguments a generated `call` on `path` (a collection or a command's path template) ends with to act as the
 * reviewer where it must: after the path, or after the body when the call sends one.
 */
export function callerOf(model: ServiceModel, path: string, withBody = false): string {
  if (!reviewedOperations(model).includes(path)) return '';
  return withBody ? ', undefined, reviewer' : ', undefined, undefined, reviewer';
}

/** For each collection, its references to records of the service and bodies to create such records with. */
function referencesOf(model: ServiceModel): Record<string, unknown> {
  return Object.fromEntries(
    model.entities
      .filter((e) => e.references.length > 0)
      .map((e) => [e.collectionPath, referencedRecords(model, e)]),
  );
}

/** The acceptance scenarios of every enforced rule of the service that can be set up over HTTP. */
export function ruleScenarios(model: ServiceModel): RuleScenario[] {
  const writer = new ScenarioWriter(model);
  return model.rules.enforced.flatMap((rule) => writer.scenario(rule) ?? []);
}

/** `test/rules.acceptance.test.ts`, or undefined when the service enforces no rule that can be tested. */
export function ruleAcceptanceTestSource(model: ServiceModel, scenarios: RuleScenario[]): string | undefined {
  if (scenarios.length === 0) return undefined;
  const uses = (name: string) => scenarios.some((s) => s.body.some((line) => line.includes(`${name}(`)));
  const lines = [
    `import { strict as assert } from 'node:assert';`,
    `import { after, before, describe, test } from 'node:test';`,
    `import { main, type RunningService } from '../src/main';`,
    `import { actAs, call, field, serviceEnv, withReferences, type References, type Reply } from './client';`,
    '',
    'let service: RunningService;',
    'let port = 0;',
    '',
    ...referencesPreamble(model, {
      post: uses('create') || uses('post'),
      run: uses('run'),
      reviewer: scenarios.some((s) => s.body.some((line) => line.includes('reviewer'))),
    }),
    `before(async () => {\n  service = await main(serviceEnv());\n  port = service.port;\n});`,
    '',
    'after(async () => {\n  await service.stop();\n});',
    '',
    ...(uses('create')
      ? [
          'async function create(path: string, body: unknown): Promise<string> {',
          '  const reply = await post(path, body);',
          '  assert.equal(reply.status, 201, reply.text);',
          `  return String(field(reply.body, 'id'));`,
          '}',
          '',
        ]
      : []),
    ...(uses('run')
      ? [
          reviewedOperations(model).length
            ? `const run = (path: string, id: string) => call(port, 'POST', path.replace('{id}', id), undefined, undefined, reviewed.has(path) ? reviewer : undefined);`
            : `const run = (path: string, id: string) => call(port, 'POST', path.replace('{id}', id));`,
          '',
        ]
      : []),
    ...(uses('ok')
      ? [
          'async function ok(reply: Reply): Promise<void> {',
          '  assert.equal(reply.status, 200, reply.text);',
          '}',
          '',
        ]
      : []),
    'function assertViolation(reply: Reply, status: number, rule: string): void {',
    '  assert.equal(reply.status, status, reply.text);',
    `  assert.equal(reply.headers['content-type'], 'application/problem+json');`,
    `  assert.equal(field(reply.body, 'rule'), rule);`,
    '}',
    '',
    `describe(${q(`${model.context.name} service: the vision's rules over HTTP`)}, () => {`,
  ];
  for (const scenario of scenarios) {
    lines.push(`  test(${q(`${scenario.rule.id}: ${scenario.rule.text}`)}, async () => {`);
    lines.push(...scenario.body.map((line) => `    ${line}`));
    lines.push('  });');
    lines.push('');
  }
  lines.push('});');
  return lines.join('\n') + '\n';
}

/** `features/rules.feature`: the scenarios as Gherkin, one per enforced and testable rule. */
export function rulesFeatureSource(model: ServiceModel, scenarios: RuleScenario[]): string | undefined {
  if (scenarios.length === 0) return undefined;
  return [
    `Feature: ${model.context.name} keeps the vision's rules`,
    '',
    ...scenarios.flatMap((s) => [
      `  # ${s.rule.text.replace(/\s+/g, ' ')}`,
      ...s.gherkin.map((l) => `  ${l}`),
      '',
    ]),
  ].join('\n');
}
