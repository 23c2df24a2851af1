import type { Attribute, BoundedContext, Entity } from '../schemas/domainModel';
import type { TimeUnit, TypedRule } from '../schemas/typedRule';
import { camel } from '../apiConventions';
import { holderOf, isHoldingNoun, saysHeld, type Holder } from './holding';

/**
 * How each typed rule of a bounded context is enforced by its service: where the check runs (the create or update
 * of an entity, or one of its commands), which stored fields it reads, and the status a violation answers. A rule
 * that cannot be enforced from the model (a name it refers to is missing, or a kind not compiled yet) gets the
 * reason instead, so coverage is reported as enforced / stated and nothing is dropped silently.
 */

/**
 * Where a check runs: every write of the hook entity (create and update), its creation, its update or its deletion
 * only, or the use case of one of its commands.
 */
export type Trigger =
  | { on: 'write' }
  | { on: 'create' }
  | { on: 'update' }
  | { on: 'delete' }
  | { on: 'command'; command: string };

/** The record the rule speaks about, when it is not the record being written: loaded through a belongsTo key. */
export interface RelatedRecord {
  entity: string;
  via: string;
}

export type Operand =
  | { kind: 'attribute'; name: string }
  /** An attribute of the record this one belongs to (`Room.capacity` of a booking, through `roomId`). */
  | { kind: 'related'; entity: string; via: string; name: string }
  | { kind: 'number'; value: number }
  | { kind: 'duration'; start: string; end: string; unit: TimeUnit };

export type Check =
  | { kind: 'count-limit'; key: string; max: number; states?: string[] }
  | { kind: 'frequency-limit'; key: string; max: number; period: CalendarPeriod }
  | { kind: 'state-guard'; states: string[]; related?: RelatedRecord }
  /**
   * The thing the record refers to through `via` (`id`: the record itself) is not taken: no `holder` record of it
   * exists, in one of `states` when given ("a tool cannot be reserved while it is on loan", "a plot that is already
   * allocated").
   */
  | { kind: 'in-use'; via: string; holder: RelatedRecord; states?: string[] }
  | { kind: 'no-overlap'; key: string; start: string; end: string }
  | { kind: 'uniqueness'; fields: string[]; key?: string }
  | { kind: 'comparison'; left: Operand; operator: '<' | '<=' | '>' | '>=' | '='; right: Operand }
  | {
      kind: 'time-window';
      relation: 'before' | 'after';
      anchor: string;
      offsetMs: number;
      related?: RelatedRecord;
    }
  | { kind: 'prerequisite'; related: string; via: string; min: number }
  /** After the action, the related record's `attribute` goes up or down by `by` (an attribute of the record or a number). */
  | {
      kind: 'effect';
      related: RelatedRecord;
      attribute: string;
      type: 'integer' | 'number' | 'money';
      change: 'increase' | 'decrease';
      by: { kind: 'attribute'; name: string } | { kind: 'number'; value: number };
    }
  /** The attribute is computed by the service from `terms` on every write; clients cannot set it. */
  | { kind: 'derived-amount'; attribute: string; type: 'integer' | 'number' | 'money'; terms: Term[] }
  /** Only a caller whose token grants one of `roles` may act. */
  | { kind: 'permission'; roles: string[] }
  /**
   * The caller must be (`owner`) or must not be (`!owner`) who created the record, or the record it belongs to
   * (`related`).
   */
  | { kind: 'ownership'; owner: boolean; related?: RelatedRecord }
  /**
   * The record must satisfy the rule's policy function, which the model writes against the rule's examples
   * (`toolchain/backend/rulePolicies.ts`); the examples' values are typed as the record's attributes.
   */
  | { kind: 'policy'; examples: PolicyExample[] };

/** A record's values a policy rule allows or refuses, typed as the entity's attributes. */
export interface PolicyExample {
  values: Record<string, string | number | boolean>;
  allowed: boolean;
  why: string;
}

/** One token of a derived amount's arithmetic: an operator or parenthesis, a number, or a value it reads. */
export type Term =
  | { kind: 'symbol'; symbol: '+' | '-' | '*' | '/' | '(' | ')' }
  | { kind: 'number'; value: number }
  | { kind: 'value'; operand: Exclude<Operand, { kind: 'number' }> };

export type CalendarPeriod = 'day' | 'week' | 'month' | 'year';

export interface PlannedRule {
  id: string;
  text: string;
  /** The entity whose rule it is (where the sentence put it). */
  entity: string;
  /** The entity whose use case runs the check. */
  hook: string;
  triggers: Trigger[];
  /**
   * 409 when the request conflicts with stored records or state, 422 when the record itself breaks the rule, 403
   * when the caller may not act.
   */
  status: 403 | 409 | 422;
  check: Check;
}

export interface UnenforcedRule {
  id: string;
  text: string;
  entity: string;
  kind: TypedRule['kind'];
  reason: string;
}

export interface RulePlan {
  enforced: PlannedRule[];
  unenforced: UnenforcedRule[];
}

const unitMs: Record<TimeUnit, number> = {
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 7 * 86_400_000,
  month: 30 * 86_400_000,
  season: 91 * 86_400_000,
  year: 365 * 86_400_000,
};

/** Milliseconds in a unit (months as 30 days, for durations only; calendar periods use the calendar). */
export function millisecondsIn(unit: TimeUnit): number {
  return unitMs[unit];
}

const temporal = (a: Attribute) => a.type === 'date' || a.type === 'datetime';
const startName =
  /^(?:start|from|begin|pickup|checkIn|arrival|opens?)|(?:Start|From|Begin)(?:s?At|Date|Time)?$/;
const endName =
  /^(?:end|to$|until|due|return|checkOut|departure|finish|closes?)|(?:End|Until|Due)(?:s?At|Date|Time)?$/;

/** The start and end attributes of an entity that has a period (start before end), when it has one. */
export function intervalOf(entity: Entity): { start: string; end: string } | undefined {
  const dated = entity.attributes.filter(temporal);
  const start = dated.find((a) => startName.test(a.name));
  const end = dated.find((a) => a !== start && a.type === start?.type && endName.test(a.name));
  return start && end ? { start: start.name, end: end.name } : undefined;
}

/** Names in a derived amount that count whole periods between the record's start and end. */
const spanUnits: Record<string, TimeUnit> = {
  days: 'day',
  nights: 'day',
  hours: 'hour',
  weeks: 'week',
  months: 'month',
};

const normalise = (verb: string) => verb.toLowerCase().replace(/[^a-z]/g, '');

class Refusal extends Error {}
const refuse = (reason: string): never => {
  throw new Refusal(reason);
};

/** Resolves names of a rule against its context; each lookup refuses with a reason a person can act on. */
class ContextNames {
  constructor(readonly context: BoundedContext) {}

  entity(name: string): Entity {
    return (
      this.context.entities.find((e) => e.name === name) ??
      refuse(`${name} is not part of the ${this.context.name} service`)
    );
  }

  /** The belongsTo key from `from` to `to`. */
  key(from: Entity, to: string): string {
    return (
      from.relations.find((r) => r.kind === 'belongsTo' && r.target === to)?.via ??
      refuse(`${from.name} has no reference to ${to}`)
    );
  }

  /**
   * The records named `name` that belong to `owner`, with their key. A vision shortens "donation item" to "item":
   * when `name` itself has no reference to `owner`, the one entity whose name ends in it and has one is meant.
   */
  belongingTo(name: string, owner: Entity): { entity: Entity; via: string } {
    const keyOf = (e: Entity) =>
      e.relations.find((r) => r.kind === 'belongsTo' && r.target === owner.name)?.via;
    const named = this.entity(name);
    const own = keyOf(named);
    if (own) return { entity: named, via: own };
    const longer = this.context.entities.filter((e) => e.name.endsWith(name) && e !== named && keyOf(e));
    if (longer.length === 1) return { entity: longer[0], via: keyOf(longer[0])! };
    return refuse(`${name} has no reference to ${owner.name}`);
  }

  attribute(entity: Entity, name: string): Attribute {
    return (
      entity.attributes.find((a) => a.name === name) ?? refuse(`${entity.name} has no attribute ${name}`)
    );
  }

  states(entity: Entity, states: string[]): string[] {
    const missing = states.filter((s) => !(entity.states ?? []).includes(s));
    if (missing.length > 0) refuse(`${entity.name} has no state ${missing.join(', ')}`);
    return states;
  }

  /** The record that hands `thing` over, for rules that say it is on loan or borrowed. */
  holder(thing: Entity): Holder {
    return (
      holderOf(this.context, thing.name) ??
      refuse(`no single record of the ${this.context.name} service hands a ${thing.name} over`)
    );
  }

  interval(entity: Entity): { start: string; end: string } {
    return intervalOf(entity) ?? refuse(`${entity.name} has no start and end dates`);
  }

  /**
   * Where an action on `subject` happens: one of its commands (`cancel` -> CancelAppointment), its creation
   * (`create`, `add`), or the creation of a record named after the action that belongs to it
   * (`reserve` a tool -> create a Reservation with its toolId).
   */
  action(
    subject: Entity,
    action: string,
    object?: Entity,
  ): { hook: Entity; trigger: Trigger; related?: RelatedRecord } {
    const verb = normalise(action);
    const command = this.context.commands.find(
      (c) => c.entity === subject.name && normalise(c.verb) === verb,
    );
    if (command) return { hook: subject, trigger: { on: 'command', command: camel(command.name) } };
    if (['create', 'add', 'register', 'submit', 'make', 'place'].includes(verb)) {
      return { hook: subject, trigger: { on: 'create' } };
    }
    // "an application cannot be offered a plot": making an Offer of the plot, when no record of the application is.
    for (const owner of object ? [subject, object] : [subject]) {
      const record = this.recordNamedAfter(verb, owner);
      if (record) {
        return {
          hook: record.entity,
          trigger: { on: 'create' },
          related: { entity: owner.name, via: record.via },
        };
      }
    }
    return refuse(`no command or record of ${subject.name} matches the action '${action}'`);
  }

  /** The record named after a verb that belongs to `owner` ("reserve" a tool: a Reservation with its toolId). */
  recordNamedAfter(verb: string, owner: Entity): { entity: Entity; via: string } | undefined {
    const stem = normalise(verb).replace(/e$/, '');
    if (stem.length < 3) return undefined;
    for (const entity of this.context.entities) {
      const via = entity.relations.find((r) => r.kind === 'belongsTo' && r.target === owner.name)?.via;
      if (via && entity.name.toLowerCase().startsWith(stem)) return { entity, via };
    }
    return undefined;
  }

  /**
   * What a state a thing does not have stands for: "on loan" while a record hands it over (`holder`), "allocated"
   * while an Allocation of it exists (in an active state, when allocations have a lifecycle).
   */
  heldBy(thing: Entity, states: string[]): { entity: Entity; via: string; states?: string[] } | undefined {
    if (states.some((s) => thing.states?.includes(s))) return undefined;
    if (saysHeld(states)) return this.holder(thing);
    if (states.length !== 1 || !/ed$/.test(states[0])) return undefined;
    const record = this.recordNamedAfter(states[0].replace(/ed$/, ''), thing);
    if (!record) return undefined;
    const active = activeStates(this.context, record.entity);
    return { ...record, ...(active ? { states: active } : {}) };
  }
}

const writes: Trigger[] = [{ on: 'write' }];

/**
 * States a record is still active in: those some command moves it out of. A limit that names no states counts
 * only active records (a cancelled booking no longer holds its slot); all records when the entity has no
 * lifecycle or no state is final.
 */
export function activeStates(context: BoundedContext, entity: Entity): string[] | undefined {
  const states = entity.states ?? [];
  const commands = context.commands.filter((c) => c.entity === entity.name && c.transitionTo);
  const left = (state: string) =>
    commands.some(
      (c) => c.transitionTo !== state && (c.allowedFrom?.length ? c.allowedFrom.includes(state) : true),
    );
  const active = states.filter(left);
  return active.length > 0 && active.length < states.length ? active : undefined;
}

function operand(
  names: ContextNames,
  entity: Entity,
  value: string | number,
  unit: TimeUnit | undefined,
): Operand {
  if (typeof value === 'number') return { kind: 'number', value };
  if (value === 'duration') {
    return { kind: 'duration', ...names.interval(entity), unit: unit ?? 'hour' };
  }
  const [owner, name] = value.includes('.') ? value.split('.') : [entity.name, value];
  const holder = owner === entity.name ? entity : names.entity(owner);
  const attribute = names.attribute(holder, name);
  if (!['integer', 'number', 'money', 'date', 'datetime'].includes(attribute.type)) {
    refuse(`${holder.name}.${name} is not a number or a date`);
  }
  if (holder === entity) return { kind: 'attribute', name };
  return { kind: 'related', entity: holder.name, via: names.key(entity, holder.name), name };
}

type Planned = Omit<PlannedRule, 'id' | 'text' | 'entity'>;

function plan(names: ContextNames, entity: Entity, rule: TypedRule, text: string): Planned {
  switch (rule.kind) {
    case 'count-limit': {
      const borrowed = borrowing(names, entity, rule.per);
      if (borrowed) return plan(names, borrowed.entity, { ...rule, states: borrowed.states }, text);
      const states = rule.states ? names.states(entity, rule.states) : activeStates(names.context, entity);
      // Commands that move a record into a counted state ("picked up") are checked too, before the move.
      const entering: Trigger[] = names.context.commands
        .filter((c) => c.entity === entity.name && c.transitionTo && states?.includes(c.transitionTo))
        .map((c) => ({ on: 'command', command: camel(c.name) }));
      return {
        hook: entity.name,
        triggers: [...writes, ...entering],
        status: 409,
        check: {
          kind: 'count-limit',
          key: names.key(entity, rule.per),
          max: rule.max,
          ...(states ? { states } : {}),
        },
      };
    }
    case 'frequency-limit': {
      const period = rule.period;
      if (period !== 'day' && period !== 'week' && period !== 'month' && period !== 'year') {
        return refuse(`a ${period} has no calendar definition in the vision`);
      }
      return {
        hook: entity.name,
        triggers: [{ on: 'create' }],
        status: 409,
        check: { kind: 'frequency-limit', key: names.key(entity, rule.per), max: rule.max, period },
      };
    }
    case 'state-guard': {
      const target = rule.related ? names.entity(rule.related) : entity;
      const place = names.action(entity, rule.action, target);
      // "while it is on loan", "already allocated": while another record of it says so.
      const holder = names.heldBy(target, rule.states);
      if (holder) {
        const via =
          place.hook === target
            ? 'id'
            : place.related?.entity === target.name
              ? place.related.via
              : names.key(place.hook, target.name);
        return {
          hook: place.hook.name,
          triggers: [place.trigger],
          status: 409,
          check: {
            kind: 'in-use',
            via,
            holder: { entity: holder.entity.name, via: holder.via },
            ...(holder.states ? { states: holder.states } : {}),
          },
        };
      }
      const states = names.states(target, rule.states);
      const related: RelatedRecord | undefined = rule.related
        ? { entity: rule.related, via: names.key(names.entity(place.hook.name), rule.related) }
        : place.related;
      return {
        hook: place.hook.name,
        triggers: [place.trigger],
        status: 409,
        check: { kind: 'state-guard', states, ...(related ? { related } : {}) },
      };
    }
    case 'no-overlap':
      return {
        hook: entity.name,
        triggers: writes,
        status: 409,
        check: { kind: 'no-overlap', key: names.key(entity, rule.scope), ...names.interval(entity) },
      };
    case 'uniqueness': {
      const fields = rule.attributes.map((name) => names.attribute(entity, name).name);
      return {
        hook: entity.name,
        triggers: writes,
        status: 409,
        check: {
          kind: 'uniqueness',
          fields,
          ...(rule.scope ? { key: names.key(entity, rule.scope) } : {}),
        },
      };
    }
    case 'comparison':
      return {
        hook: entity.name,
        triggers: writes,
        status: 422,
        check: {
          kind: 'comparison',
          left: operand(names, entity, rule.left, rule.unit),
          operator: rule.operator,
          right: operand(names, entity, rule.right, rule.unit),
        },
      };
    case 'time-window': {
      const place = names.action(entity, rule.action);
      if (rule.anchor.includes('.'))
        refuse(`time windows on another record's ${rule.anchor} are not compiled yet`);
      const anchor = names.attribute(entity, rule.anchor);
      if (!temporal(anchor)) refuse(`${entity.name}.${anchor.name} is not a date`);
      return {
        hook: place.hook.name,
        triggers: [place.trigger],
        status: 409,
        check: {
          kind: 'time-window',
          relation: rule.relation,
          anchor: anchor.name,
          offsetMs: rule.offset ? rule.offset.amount * millisecondsIn(rule.offset.unit) : 0,
          ...(place.related ? { related: place.related } : {}),
        },
      };
    }
    case 'prerequisite': {
      const place = names.action(entity, rule.action);
      if (place.trigger.on !== 'command') refuse(`'${rule.action}' is not a command of ${entity.name}`);
      const related = names.belongingTo(rule.related, entity);
      return {
        hook: entity.name,
        triggers: [place.trigger],
        status: 409,
        check: { kind: 'prerequisite', related: related.entity.name, via: related.via, min: rule.min },
      };
    }
    case 'derived-amount': {
      // A charge per day late counts the days after the due date, not the record's own period: without the
      // span that says so, computing it from start to end would charge the whole loan.
      if (!rule.span && /\b(late|overdue)\b/i.test(text)) {
        return refuse(
          `it counts days late, but ${entity.name} has no due date and return date to count them between`,
        );
      }
      const target = names.attribute(entity, rule.attribute.split('.').pop()!);
      if (target.type !== 'integer' && target.type !== 'number' && target.type !== 'money') {
        return refuse(`${entity.name}.${target.name} is not a number or an amount of money`);
      }
      const terms = (
        rule.expression.match(/(?:[A-Z][A-Za-z0-9]*\.)?[a-z][A-Za-z0-9]*|\d+(?:\.\d+)?|[-+*/()]/g) ?? []
      ).map((token): Term => {
        if (/^[-+*/()]$/.test(token)) return { kind: 'symbol', symbol: token as '+' };
        if (/^\d/.test(token)) return { kind: 'number', value: Number(token) };
        const span = spanUnits[token];
        if (span && !entity.attributes.some((a) => a.name === token)) {
          const period = rule.span
            ? {
                start: names.attribute(entity, rule.span.from).name,
                end: names.attribute(entity, rule.span.to).name,
              }
            : names.interval(entity);
          return { kind: 'value', operand: { kind: 'duration', ...period, unit: span } };
        }
        const value = operand(names, entity, token, undefined);
        if (value.kind === 'number') return value;
        if (value.kind === 'attribute' && value.name === target.name)
          refuse(`${target.name} is computed from itself`);
        return { kind: 'value', operand: value };
      });
      return {
        hook: entity.name,
        triggers: writes,
        status: 422,
        check: { kind: 'derived-amount', attribute: target.name, type: target.type, terms },
      };
    }
    case 'effect': {
      const place = names.action(entity, rule.action);
      const hook = names.entity(place.hook.name);
      const [owner, name] = rule.target.includes('.') ? rule.target.split('.') : [entity.name, rule.target];
      if (owner === hook.name)
        return refuse(`changes to the ${hook.name}'s own ${name} are not compiled yet`);
      const related = names.entity(owner);
      const attribute = names.attribute(related, name);
      if (attribute.type !== 'integer' && attribute.type !== 'number' && attribute.type !== 'money') {
        return refuse(`${related.name}.${name} is not a number or an amount of money`);
      }
      const by =
        typeof rule.by === 'number'
          ? { kind: 'number' as const, value: rule.by }
          : { kind: 'attribute' as const, name: names.attribute(hook, rule.by.split('.').pop()!).name };
      return {
        hook: hook.name,
        triggers: [place.trigger],
        status: 409,
        check: {
          kind: 'effect',
          related: { entity: related.name, via: names.key(hook, related.name) },
          attribute: attribute.name,
          type: attribute.type,
          change: rule.change,
          by,
        },
      };
    }
    case 'permission': {
      if (rule.owner || rule.notSelf) {
        // The roles an "own" sentence names ("patients may only cancel their own") do not narrow it: the service
        // cannot tell a patient without the role from anyone else, so the rule holds for every caller.
        const place = recordAction(names, entity, rule.action);
        const owned = names.entity(rule.of ?? (place.related ? place.related.entity : entity.name));
        const related =
          owned.name === place.hook.name
            ? undefined
            : { entity: owned.name, via: names.key(place.hook, owned.name) };
        if (!related && place.trigger.on === 'create')
          return refuse(`a ${owned.name} has no owner before it is created`);
        return {
          hook: place.hook.name,
          // Moving a record to another owner's ("add a receipt" by changing its report) is checked like making one.
          triggers: [place.trigger.on === 'create' ? { on: 'write' } : place.trigger],
          status: 403,
          check: { kind: 'ownership', owner: !rule.notSelf, ...(related ? { related } : {}) },
        };
      }
      if (!rule.actors?.length) return refuse('it names no role that may act');
      const place = recordAction(names, entity, rule.action);
      return {
        hook: place.hook.name,
        triggers: [place.trigger],
        status: 403,
        check: { kind: 'permission', roles: [...new Set(rule.actors)] },
      };
    }
    case 'policy': {
      const examples = rule.examples.map((example, i): PolicyExample => ({
        values: Object.fromEntries(
          rule.values
            .filter((v) => v.example === i + 1)
            .map((v) => [v.name, typedValue(names.attribute(entity, v.name), v.value)]),
        ),
        allowed: example.allowed,
        why: example.why,
      }));
      const triggers: Trigger[] = rule.on === 'write' ? writes : [{ on: rule.on }];
      return { hook: entity.name, triggers, status: rule.status, check: { kind: 'policy', examples } };
    }
    case 'unsupported':
      return refuse(rule.reason);
  }
}

/** An example's value as the attribute's type: the text a person types, read as the form would send it. */
function typedValue(attribute: Attribute, value: string): string | number | boolean {
  switch (attribute.type) {
    case 'integer':
    case 'number': {
      const number = Number(value);
      if (
        value.trim() === '' ||
        !Number.isFinite(number) ||
        (attribute.type === 'integer' && !Number.isInteger(number))
      )
        refuse(`its example value "${value}" for ${attribute.name} is not a ${attribute.type}`);
      return number;
    }
    case 'boolean':
      if (!['true', 'false'].includes(value))
        refuse(`its example value "${value}" for ${attribute.name} is not true or false`);
      return value === 'true';
    default:
      return value;
  }
}

/**
 * "A member may borrow at most 3 tools at the same time", read as a limit on Loan records: when the loan has no
 * lifecycle or no reference to whom it is limited per, the records that hand its thing over (reservations picked
 * up and not yet returned) are what is counted.
 */
function borrowing(
  names: ContextNames,
  entity: Entity,
  per: string,
): { entity: Entity; states: string[] } | undefined {
  if (!isHoldingNoun(entity)) return undefined;
  const own = entity.relations.some((r) => r.kind === 'belongsTo' && r.target === per);
  if (own && (entity.states ?? []).length > 0) return undefined;
  for (const relation of entity.relations) {
    const holder = relation.kind === 'belongsTo' ? holderOf(names.context, relation.target) : undefined;
    if (
      holder &&
      holder.entity !== entity &&
      holder.entity.relations.some((r) => r.kind === 'belongsTo' && r.target === per)
    )
      return { entity: holder.entity, states: holder.states };
  }
  return undefined;
}

/**
 * Where an action that may be restricted to some callers happens: a command of that name, else an update
 * ("edit", "change") or a deletion ("remove"), else as `ContextNames.action` finds it.
 */
function recordAction(
  names: ContextNames,
  entity: Entity,
  action: string,
): { hook: Entity; trigger: Trigger; related?: RelatedRecord } {
  const verb = normalise(action);
  const command = names.context.commands.some((c) => c.entity === entity.name && normalise(c.verb) === verb);
  if (!command && ['edit', 'update', 'change', 'modify'].includes(verb))
    return { hook: entity, trigger: { on: 'update' } };
  if (!command && ['delete', 'remove'].includes(verb)) return { hook: entity, trigger: { on: 'delete' } };
  return names.action(entity, action);
}

/** Whether a planned rule runs on a trigger (a command trigger names its command). */
export function runsOn(rule: PlannedRule, trigger: Trigger): boolean {
  return rule.triggers.some(
    (t) =>
      t.on === trigger.on &&
      (t.on !== 'command' || trigger.on !== 'command' || t.command === trigger.command),
  );
}

/** The attributes of an entity the service computes from derived-amount rules (read-only for clients). */
export function computedAttributes(plan: RulePlan, entity: string): Set<string> {
  return new Set(
    plan.enforced.flatMap((r) =>
      r.hook === entity && r.check.kind === 'derived-amount' ? [r.check.attribute] : [],
    ),
  );
}

/** The roles the permission rules of a plan name (on `entity` only, when given), sorted. */
export function rolesOf(plan: RulePlan, entity?: string): string[] {
  return [
    ...new Set(
      plan.enforced.flatMap((r) =>
        r.check.kind === 'permission' && (entity === undefined || r.hook === entity) ? r.check.roles : [],
      ),
    ),
  ].sort();
}

/**
 * The roles the permission rules of a product name, each described by the rules that ask for it: the app roles its
 * API declares in Microsoft Entra ID, where a person assigns them.
 */
export function productRoles(contexts: BoundedContext[]): Array<{ value: string; description: string }> {
  const rules = new Map<string, string[]>();
  for (const context of contexts) {
    for (const rule of planRules(context).enforced) {
      if (rule.check.kind !== 'permission') continue;
      for (const role of rule.check.roles) rules.set(role, [...(rules.get(role) ?? []), rule.id]);
    }
  }
  return [...rules.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([value, ids]) => ({
      value,
      description: `Asked for by the product's rules ${ids.join(', ')}`.slice(0, 240),
    }));
}

/** The enforcement plan of every typed rule of a context's entities. */
export function planRules(context: BoundedContext): RulePlan {
  const names = new ContextNames(context);
  const result: RulePlan = { enforced: [], unenforced: [] };
  for (const entity of context.entities) {
    for (const { id, text, rule } of entity.rules ?? []) {
      try {
        result.enforced.push({ id, text, entity: entity.name, ...plan(names, entity, rule, text) });
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        result.unenforced.push({ id, text, entity: entity.name, kind: rule.kind, reason: error.message });
      }
    }
  }
  return result;
}
