import { z } from 'zod';
import { attributeTypes } from './domainModel';
import { productSlugSchema } from './productSlug';
import { typedRuleSchema } from './typedRule';

/**
 * The vision document (artifact kind `vision`, JSON part): what the Vision Architect understood from the
 * product vision, and the analysed domain (entities, actions, rules) that every later phase-1 agent builds on.
 */
const pascal = z.string().regex(/^[A-Z][A-Za-z0-9]*$/);
const camelName = z.string().regex(/^[a-z][a-zA-Z0-9]*$/);
const snake = z.string().regex(/^[a-z][a-z0-9_]*$/);

/** Where a fact came from: written in the vision, given as a front-matter hint, or inferred by the analysis. */
export const provenanceSchema = z.enum(['stated', 'hint', 'derived']);

export const successMetricSchema = z.object({
  name: z.string().min(1),
  /** The number the product is measured against, as written (e.g. `30%`, `1,000`, `10 minutes`). */
  target: z.string().min(1),
  /** The target as a number when it has one (`30`, `1000`, `10`). */
  value: z.number().optional(),
  unit: z.string().optional(),
  /** `stated`: written in the vision or its hints; `derived`: proposed because the vision states none. */
  source: z.enum(['stated', 'derived']),
  /** The sentence the metric was taken from, or why it was proposed. */
  evidence: z.string(),
});

export const personaSchema = z.object({
  /** Singular, PascalCase (e.g. `SiteLead`). */
  name: pascal,
  /** Human label, singular (e.g. `site lead`). */
  label: z.string().min(1),
  plural: z.string().min(1),
  description: z.string(),
  /** What this persona does in the product, as verb phrases (e.g. `reserve tools`). */
  responsibilities: z.array(z.string()),
  source: provenanceSchema,
});

export const visionAttributeSchema = z.object({
  name: camelName,
  type: z.enum(attributeTypes),
  required: z.boolean(),
  description: z.string(),
  enumValues: z.array(snake).optional(),
  unique: z.boolean().optional(),
  minimum: z.number().optional(),
  maximum: z.number().optional(),
  source: provenanceSchema,
});

export const visionEntitySchema = z.object({
  name: pascal,
  plural: pascal,
  /** Human label, singular (e.g. `repair job`). */
  label: z.string().min(1),
  description: z.string(),
  attributes: z.array(visionAttributeSchema).min(1),
  /** Other entities this one refers to (it holds `<target>Id`). */
  references: z.array(pascal),
  /** Lifecycle states, in order, when the vision implies one. */
  states: z.array(snake).optional(),
  /** True when the entity is also a persona (members are people and records). */
  isPersona: z.boolean(),
  /** How many times the vision mentions it: used to rank and group. */
  mentions: z.number().int().nonnegative(),
  /** The sentence of the vision that first names it. */
  evidence: z.string().optional(),
  source: provenanceSchema,
});

export const visionActionSchema = z.object({
  /** Command name, PascalCase verb + entity (e.g. `ReserveTool`). */
  name: pascal,
  /** Base form of the verb, lower case (e.g. `reserve`, `sign-up`). */
  verb: z.string().regex(/^[a-z][a-z-]*$/),
  actor: pascal,
  entity: pascal,
  /** The lifecycle state the action leads to, when the entity has states. */
  transitionTo: snake.optional(),
  /** The sentence it was taken from. */
  evidence: z.string(),
  source: provenanceSchema,
});

export const visionRuleSchema = z.object({
  /** The sentence that states the rule. */
  text: z.string().min(1),
  /** The entity whose records the rule constrains. */
  entity: pascal,
  /** The rule as a typed specification, or `unsupported` with the reason none could be given. */
  rule: typedRuleSchema,
  source: provenanceSchema,
});

export const featureSchema = z.object({
  id: z.string().regex(/^F[0-9]{2,}$/),
  name: z.string().min(1),
  description: z.string(),
  /** The persona it serves. */
  persona: pascal,
  /** The entity it is about. */
  entity: pascal,
  /** Actions (by name) it covers. */
  actions: z.array(pascal),
  priority: z.enum(['must', 'should', 'could']),
  source: provenanceSchema,
});

export const visionSchema = z.object({
  title: z.string().min(1),
  slug: productSlugSchema,
  summary: z.string(),
  problem: z.string(),
  opportunity: z.string(),
  goals: z.array(z.string()),
  successMetrics: z.array(successMetricSchema),
  personas: z.array(personaSchema).min(1),
  features: z.array(featureSchema),
  scope: z.object({ in: z.array(z.string()), out: z.array(z.string()) }),
  domain: z.object({
    entities: z.array(visionEntitySchema).min(1),
    actions: z.array(visionActionSchema),
    rules: z.array(visionRuleSchema),
  }),
  /**
   * How much of the text the analysis used: how many sentences are about the product (not its problem or goals),
   * and those of them from which it took nothing. Absent when the vision was not analysed sentence by sentence.
   */
  reading: z
    .object({ domainSentences: z.number().int().nonnegative(), unread: z.array(z.string()) })
    .optional(),
  /** Front-matter keys that were used over inference. */
  hintsUsed: z.array(z.string()),
  /** Reviewer or gate feedback and what was done with each item. */
  feedbackAddressed: z.array(z.object({ feedback: z.string(), outcome: z.string(), applied: z.boolean() })),
});

export type SuccessMetric = z.infer<typeof successMetricSchema>;
export type Persona = z.infer<typeof personaSchema>;
export type VisionAttribute = z.infer<typeof visionAttributeSchema>;
export type VisionEntity = z.infer<typeof visionEntitySchema>;
export type VisionAction = z.infer<typeof visionActionSchema>;
export type VisionRule = z.infer<typeof visionRuleSchema>;
export type Feature = z.infer<typeof featureSchema>;
export type Vision = z.infer<typeof visionSchema>;
