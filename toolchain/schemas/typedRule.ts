import { z } from 'zod';

/**
 * A business rule of the vision as a typed specification: a kind and its parameters, never free text, so that
 * code and tests can be compiled from it. The rule's subject entity and its sentence sit beside it (VisionRule).
 * Names follow the domain model: entities in PascalCase, attributes in camelCase, lifecycle states in snake_case;
 * an attribute of a related entity is written `Entity.attribute`.
 */
const entity = z.string().regex(/^[A-Z][A-Za-z0-9]*$/);
const attribute = z.string().regex(/^(?:[A-Z][A-Za-z0-9]*\.)?[a-z][A-Za-z0-9]*$/);
const state = z.string().regex(/^[a-z][a-z0-9_]*$/);
/** The command's verb in its base form (`reserve`, `check-in`). */
const action = z.string().regex(/^[a-z][a-z-]*$/);
export const timeUnits = ['minute', 'hour', 'day', 'week', 'month', 'season', 'year'] as const;
const unit = z.enum(timeUnits);
const count = z.number().int().nonnegative();

/** `a * (b + 2)`: names (`Car.dailyRate`, `days`), numbers, + - * / and parentheses, nothing else. */
export function isArithmetic(expression: string): boolean {
  const tokens =
    expression.match(/(?:[A-Z][A-Za-z0-9]*\.)?[a-z][A-Za-z0-9]*|\d+(?:\.\d+)?|[-+*/()]|\S/g) ?? [];
  let at = 0;
  const operand = (): boolean => {
    const token = tokens[at++];
    if (token === '(') return sum() && tokens[at++] === ')';
    return token !== undefined && /^(?:[A-Za-z]|\d)/.test(token);
  };
  const product = (): boolean => {
    if (!operand()) return false;
    while (tokens[at] === '*' || tokens[at] === '/') {
      at++;
      if (!operand()) return false;
    }
    return true;
  };
  const sum = (): boolean => {
    if (!product()) return false;
    while (tokens[at] === '+' || tokens[at] === '-') {
      at++;
      if (!product()) return false;
    }
    return true;
  };
  return tokens.length > 0 && sum() && at === tokens.length;
}

export const typedRuleSchema = z.discriminatedUnion('kind', [
  /** "at most 3 open loans per member": records of the subject that one `per` may hold at once. */
  z.object({
    kind: z.literal('count-limit'),
    per: entity,
    max: count,
    /** Only records in these states count (e.g. open ones); all records when absent. */
    states: z.array(state).optional(),
  }),
  /** "at most one pickup per resident per month": records created by one `per` within a calendar period. */
  z.object({ kind: z.literal('frequency-limit'), per: entity, max: count, period: unit }),
  /** "a tool cannot be reserved while it is on loan": the action is refused while the subject (or `related`) is in a state. */
  z.object({
    kind: z.literal('state-guard'),
    action,
    related: entity.optional(),
    states: z.array(state).min(1),
  }),
  /** "two bookings of the same room must not overlap": start-to-end intervals within one `scope` are disjoint. */
  z.object({ kind: z.literal('no-overlap'), scope: entity }),
  /** "sail numbers are unique within a club". */
  z.object({
    kind: z.literal('uniqueness'),
    attributes: z.array(attribute).min(1),
    scope: entity.optional(),
  }),
  /**
   * "attendees may not exceed the room's capacity", "end after start", "at most 4 hours long": `left` is an attribute
   * or `duration` (end minus start); `right` an attribute or a number, in `unit` for durations.
   */
  z.object({
    kind: z.literal('comparison'),
    left: attribute,
    operator: z.enum(['<', '<=', '>', '>=', '=']),
    right: z.union([attribute, z.number()]),
    unit: unit.optional(),
  }),
  /** "cancel until 2 hours before the start", "only before the deadline": when the action is allowed, relative to an attribute or now. */
  z.object({
    kind: z.literal('time-window'),
    action,
    relation: z.enum(['before', 'after']),
    anchor: attribute,
    offset: z.object({ amount: z.number().nonnegative(), unit }).optional(),
  }),
  /**
   * "price = daily rate x days": the attribute is computed from `expression`, whose names are attributes
   * (`Car.dailyRate`), `days`/`hours` between start and end, or numbers; operators + - * / and parentheses.
   */
  z.object({
    kind: z.literal('derived-amount'),
    attribute,
    // Arithmetic over names and numbers only: it is compiled into code, never spliced as text.
    expression: z
      .string()
      .max(500)
      .refine(isArithmetic, 'must be arithmetic: names, numbers, + - * / and parentheses'),
    inputs: z.array(attribute),
    /**
     * What `days`/`hours` count when not the record's own period (start to end): a charge per day late counts
     * from the due date to the return (`{ from: 'dueDate', to: 'returnedAt' }`).
     */
    span: z.object({ from: attribute, to: attribute }).optional(),
  }),
  /** "packing an order lowers the product's stock by the ordered quantity". */
  z.object({
    kind: z.literal('effect'),
    action,
    target: attribute,
    change: z.enum(['increase', 'decrease']),
    by: z.union([attribute, z.number()]),
  }),
  /** "at least two reviews before approval": the action needs `min` related records. */
  z.object({ kind: z.literal('prerequisite'), action, related: entity, min: count }),
  /** "only the owner can approve", "only coordinators create shifts", "cannot review their own". */
  z.object({
    kind: z.literal('permission'),
    action,
    /** Roles that may act; anyone signed in when absent. */
    actors: z.array(entity).optional(),
    /** Only the owner of the record (or of the record it belongs to) may act. */
    owner: z.boolean().optional(),
    /** Nobody may act on a record they own themselves. */
    notSelf: z.boolean().optional(),
    /**
     * The record whose owner the rule means, when it is not the one acted on: "only the owner of a tool can
     * approve a reservation" (of: Tool), "sellers cannot make offers on their own bikes" (of: Bike).
     */
    of: entity.optional(),
  }),
  /**
   * A rule no kind above can express, stated as examples a reader agrees with: records the rule allows and records
   * it refuses ("a tool's name must not mention that it is broken"). Only a language model reads a rule this way;
   * its check is a policy function the model writes in phase 2, tested against these examples (docs/adr/0073).
   * The examples' values are a separate list naming their example, so the domain model stays within the nesting
   * Azure OpenAI's strict structured outputs allow.
   */
  z
    .object({
      kind: z.literal('policy'),
      /** When the check runs: on the record's creation, its updates, or both. */
      on: z.enum(['create', 'update', 'write']),
      /** 422 when the record itself breaks the rule, 409 when it conflicts with the state of things. */
      status: z.union([z.literal(409), z.literal(422)]),
      examples: z
        .array(z.object({ allowed: z.boolean(), why: z.string().min(1).max(300) }))
        .min(2)
        .max(12),
      /** The record's values each example sets (1 = the first example), as the text a person would type. */
      values: z
        .array(z.object({ example: z.number().int().min(1), name: attribute, value: z.string().max(200) }))
        .min(2)
        .max(60),
    })
    .refine(
      (rule) => rule.examples.some((e) => e.allowed) && rule.examples.some((e) => !e.allowed),
      'the examples must include a record the rule allows and one it refuses',
    )
    .refine(
      (rule) =>
        rule.values.every((v) => v.example <= rule.examples.length) &&
        rule.examples.every((_, i) => rule.values.some((v) => v.example === i + 1)),
      'every value must name an example, and every example must set a value',
    ),
  /** A sentence that states a rule the engine cannot type: kept with the reason, never dropped. */
  z.object({ kind: z.literal('unsupported'), reason: z.string().min(1).max(500) }),
]);

export type TypedRule = z.infer<typeof typedRuleSchema>;
export type TypedRuleKind = TypedRule['kind'];
export type TimeUnit = (typeof timeUnits)[number];
