import { z } from 'zod';

/** The product backlog (artifact kind `backlog`, JSON part): epics and user stories with Gherkin criteria. */
export const scenarioSchema = z.object({
  name: z.string().min(1),
  kind: z.enum(['positive', 'negative']),
  given: z.array(z.string()).min(1),
  when: z.array(z.string()).min(1),
  then: z.array(z.string()).min(1),
});

export const storySchema = z.object({
  id: z.string().regex(/^US-[0-9]{3,}$/),
  /** The id of the epic it belongs to. */
  epic: z.string().regex(/^EP-[0-9]{2,}$/),
  title: z.string().min(1),
  persona: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  /** The domain entity the story is about (maps the story to a bounded context). */
  entity: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  /** The command or CRUD operation it exercises (`ReserveTool`, `create`, `list`). */
  operation: z.string().min(1),
  asA: z.string().min(1),
  iWant: z.string().min(1),
  soThat: z.string().min(1),
  /** "As a …, I want …, so that …". */
  text: z.string().regex(/^As an? .+, I want .+, so that .+$/),
  priority: z.enum(['must', 'should', 'could']),
  /** Story points on the Fibonacci scale. */
  estimate: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(5), z.literal(8), z.literal(13)]),
  release: z.string(),
  acceptanceCriteria: z.array(scenarioSchema).min(1),
});

export const epicSchema = z.object({
  id: z.string().regex(/^EP-[0-9]{2,}$/),
  name: z.string().min(1),
  description: z.string(),
  /** The feature (from the vision) it delivers. */
  feature: z.string(),
  entity: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  /** The `.feature` file written for it, relative to the phase folder. */
  featureFile: z.string(),
});

export const backlogSchema = z.object({
  product: z.string(),
  epics: z.array(epicSchema).min(1),
  stories: z.array(storySchema).min(1),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type Story = z.infer<typeof storySchema>;
export type Epic = z.infer<typeof epicSchema>;
export type Backlog = z.infer<typeof backlogSchema>;
