import type { AgentContext } from '../core/agent';
import { camel, collectionPath, commandPath, kebab } from '../toolchain/apiConventions';
import { missingMadrSections } from '../toolchain/architecture/adr';
import { allEntities, words } from '../toolchain/architecture/model';
import { domainModelProblems } from '../toolchain/architecture/modelConsistency';
import { storiesOf, type StoryRef } from '../toolchain/architecture/stories';
import { asyncApiProblems, jsonSchemaProblems, openApiProblems } from '../toolchain/architecture/validation';
import { domainModelSchema, type DomainModel, type Entity } from '../toolchain/schemas/domainModel';
import { visionSchema } from '../toolchain/schemas/vision';
import { atLeast, noFindings, type GateCriterion, type GateDefinition } from '../core/gate';
import type { ArtifactKind } from '../core/artifactKinds';

/** An artifact as the criteria read it. */
export interface Loaded {
  /** Path inside the phase folder, as agents name it (`api/lending.openapi.json`). */
  name: string;
  text: string;
}

type Json = Record<string, unknown>;

/** Below this share of the sentences about the product giving the analysis something, the gate fails. */
const minimumReadShare = 0.5;
/** Below this share of the stated rules typed, the gate fails. */
const minimumTypedShare = 0.5;

const shortName = (path: string) => path.replace(/^iteration-\d+\/[^/]+\/attempt-\d+\//, '');

async function load(ctx: AgentContext, kind: ArtifactKind): Promise<Loaded[]> {
  const loaded: Loaded[] = [];
  for (const input of ctx.inputs(kind)) {
    if (input.ref.path.endsWith('.folder.json')) {
      // A folder artifact: every file in it counts as one artifact of the kind.
      for (const file of await ctx.readFolder(input.ref)) {
        loaded.push({
          name: `${shortName(input.ref.path).replace(/\.folder\.json$/, '')}${file.path}`,
          text: file.content.toString('utf8'),
        });
      }
    } else {
      loaded.push({ name: shortName(input.ref.path), text: await input.text() });
    }
  }
  return loaded;
}

function parseJson(artifact: Loaded): { value?: Json; error?: string } {
  try {
    const value = JSON.parse(artifact.text) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { error: `${artifact.name} is not a JSON object` };
    return { value: value as Json };
  } catch (error) {
    return { error: `${artifact.name} is not valid JSON: ${(error as Error).message}` };
  }
}

/** The validator's messages carry a code frame; the first line and the pointer's note are what a reader needs. */
function condense(message: string): string {
  const lines = message.split('\n');
  const pointer = lines.map((l) => /\^\s+(.+)$/.exec(l)?.[1]).find(Boolean);
  return pointer ? `${lines[0].trim()} (${pointer.trim()})` : lines[0].trim();
}

function readDomainModel(loaded: Loaded[]): { model?: DomainModel; problem?: string } {
  const artifacts = loaded.filter((a) => a.name.endsWith('.json'));
  if (artifacts.length === 0)
    return { problem: 'no domain model (architecture/domain-model.json) was written' };
  const artifact = artifacts[artifacts.length - 1];
  const { value, error } = parseJson(artifact);
  if (error) return { problem: error };
  const parsed = domainModelSchema.safeParse(value);
  if (!parsed.success) {
    return {
      problem: `${artifact.name} is not a valid domain model: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
    };
  }
  return { model: parsed.data };
}

async function openApiCriterion(documents: Loaded[]): Promise<GateCriterion> {
  const findings: string[] = [];
  if (documents.length === 0)
    findings.push(
      'No OpenAPI document was written: the API Designer must write api/<context-slug>.openapi.json per context.',
    );
  for (const document of documents) {
    const { value, error } = parseJson(document);
    if (error) {
      findings.push(error);
      continue;
    }
    for (const problem of await openApiProblems(value))
      findings.push(`${document.name}: ${condense(problem)}`);
  }
  return noFindings('OpenAPI documents are valid OpenAPI 3.1', findings);
}

async function asyncApiCriterion(documents: Loaded[]): Promise<GateCriterion> {
  const findings: string[] = [];
  if (documents.length === 0)
    findings.push(
      'No AsyncAPI document was written: the Event-Driven Architect must write events/asyncapi.json.',
    );
  for (const document of documents) {
    for (const problem of await asyncApiProblems(document.text))
      findings.push(`${document.name}: ${problem}`);
  }
  return noFindings('AsyncAPI document parses without errors', findings);
}

function eventSchemaCriterion(schemas: Loaded[], model: DomainModel | undefined): GateCriterion {
  const findings: string[] = [];
  for (const schema of schemas) {
    const { value, error } = parseJson(schema);
    if (error) {
      findings.push(error);
      continue;
    }
    for (const problem of jsonSchemaProblems(value))
      findings.push(`${schema.name} does not compile as JSON Schema 2020-12: ${problem}`);
  }
  for (const context of model?.contexts ?? []) {
    for (const event of context.events) {
      if (!schemas.some((s) => s.name.endsWith(`/${event.name}.schema.json`))) {
        findings.push(
          `Domain event ${event.name} (context ${context.name}) has no JSON Schema: expected events/${event.name}.schema.json.`,
        );
      }
    }
  }
  return noFindings('Every event JSON Schema compiles (ajv, 2020-12)', findings);
}

function backlogStories(backlogs: Loaded[]): StoryRef[] {
  const json = backlogs.filter((b) => b.name.endsWith('.json'));
  return json.length ? storiesOf(parseJson(json[json.length - 1]).value) : [];
}

/** The entities of the vision's analysis (the newest vision JSON), as written. */
function analysedEntities(visions: Loaded[]): Json[] {
  const json = visions.filter((v) => v.name.endsWith('.json'));
  const domain = json.length
    ? (parseJson(json[json.length - 1]).value?.domain as Json | undefined)
    : undefined;
  return Array.isArray(domain?.entities) ? (domain.entities as Json[]) : [];
}

/** Entity names the vision's analysis found, to tell a dropped entity from one the vision never had. */
function visionEntities(visions: Loaded[]): Set<string> {
  return new Set(
    analysedEntities(visions)
      .map((e) => (typeof e?.name === 'string' ? e.name : ''))
      .filter(Boolean),
  );
}

/**
 * A text that names nothing to store (source code, markup, a single word) still gets a placeholder entity from
 * the analysis so that the later agents can run; the product built on it would be made up. An entity counts
 * when the text mentions it or a front-matter hint gives it.
 */
function domainCriterion(visions: Loaded[]): GateCriterion {
  const entities = analysedEntities(visions);
  const unnamed = entities.filter((e) => e?.mentions === 0 && e?.source !== 'hint');
  const findings =
    entities.length > 0 && unnamed.length === entities.length
      ? [
          `The vision names nothing the product would store: no entity of its analysis is mentioned in the text (${unnamed.map((e) => String(e.name)).join(', ')}: mentioned 0 times). Describe who does what with which things, e.g. "members reserve tools; each tool has a name and a condition".`,
        ]
      : [];
  return noFindings('The vision names what the product stores', findings);
}

/**
 * The sentences about the product that gave the analysis nothing are listed, so that a person or the model can
 * resolve them; when they are half or more of those sentences, the analysis has not understood the vision.
 */
function readingCriterion(visions: Loaded[]): GateCriterion {
  const name = 'The analysis takes something from most sentences about the product';
  const json = visions.filter((v) => v.name.endsWith('.json'));
  const reading = json.length
    ? visionSchema.shape.reading.safeParse(parseJson(json[json.length - 1]).value?.reading)
    : undefined;
  // A vision written without sentence-by-sentence analysis (by the model) says nothing about its reading.
  if (!reading?.success || !reading.data) return atLeast(name, 1, minimumReadShare);
  const { domainSentences, unread } = reading.data;
  const findings = unread.map(
    (sentence) =>
      `Nothing in the domain model comes from "${sentence}": name what it is about as something the product keeps, or say it again in other words.`,
  );
  const read = domainSentences === 0 ? 1 : round((domainSentences - unread.length) / domainSentences);
  return atLeast(name, read, minimumReadShare, findings);
}

/**
 * Every rule the vision states should be typed, since only typed rules become code and tests; each one the engine
 * could not type is listed with its sentence and why. Under half of them typed, the rules were not understood.
 */
function rulesCriterion(model: DomainModel | undefined): GateCriterion {
  const name = 'The rules the vision states are typed';
  const stated = model ? allEntities(model).flatMap(({ entity }) => entity.rules ?? []) : [];
  if (stated.length === 0) return atLeast(name, 1, minimumTypedShare);
  const findings = stated
    .filter(({ rule }) => rule.kind === 'unsupported')
    .map(
      ({ id, text, rule }) =>
        `Rule ${id} "${text}" is not typed${rule.kind === 'unsupported' ? `: ${rule.reason}` : ''}. Say it as a limit, a guard on a state, a time window, a comparison, a formula, an effect, a prerequisite or who may act, so that it can be enforced.`,
    );
  return atLeast(name, round((stated.length - findings.length) / stated.length), minimumTypedShare, findings);
}

function storiesCriterion(
  backlogs: Loaded[],
  model: DomainModel | undefined,
  modelProblem: string | undefined,
  analysed: Set<string>,
): GateCriterion {
  const name = 'Every user story maps to a bounded context';
  const json = backlogs.filter((b) => b.name.endsWith('.json'));
  if (json.length === 0)
    return atLeast(name, 0, 1, ['No backlog JSON was written, so no story can be mapped.']);
  if (!model) return atLeast(name, 0, 1, [`Stories cannot be mapped: ${modelProblem}`]);
  const { value, error } = parseJson(json[json.length - 1]);
  if (error) return atLeast(name, 0, 1, [error]);
  const stories = storiesOf(value!);
  if (stories.length === 0) return atLeast(name, 0, 1, ['The backlog has no user stories.']);
  const findings: string[] = [];
  for (const story of stories) {
    const home = model.contexts.find((c) => c.entities.some((e) => e.name === story.entity));
    if (!home) {
      findings.push(
        story.entity
          ? `Story ${story.id}${story.title ? ` ("${story.title}")` : ''} is about entity '${story.entity}', which is in no bounded context${analysed.has(story.entity) ? ' (the vision analysis has it; the domain model dropped it)' : ''}: add entity ${story.entity} to a context of the domain model or change the story's entity.`
          : `Story ${story.id} names no entity, so it maps to no bounded context.`,
      );
    }
  }
  return atLeast(name, round((stories.length - findings.length) / stories.length), 1, findings);
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function documentFor(documents: Loaded[], slug: string): Json | undefined {
  const document = documents.find((d) => d.name.endsWith(`api/${slug}.openapi.json`));
  return document ? parseJson(document).value : undefined;
}

function pathsOf(document: Json | undefined): Record<string, Record<string, Json>> {
  return ((document?.paths as Record<string, Record<string, Json>>) ?? {}) as Record<
    string,
    Record<string, Json>
  >;
}

function entitiesCriterion(
  documents: Loaded[],
  model: DomainModel | undefined,
  modelProblem?: string,
): GateCriterion {
  const name = 'Every entity appears in its context API';
  if (!model) return atLeast(name, 0, 1, [`Entities cannot be checked: ${modelProblem}`]);
  const findings: string[] = [];
  const refs = allEntities(model);
  for (const { context, entity } of refs) {
    const path = collectionPath(entity);
    const document = documentFor(documents, context.slug);
    if (!document) {
      findings.push(
        `Entity ${entity.name} (context ${context.name}) is in no API: api/${context.slug}.openapi.json is missing or unreadable.`,
      );
    } else if (!pathsOf(document)[path]?.get || !pathsOf(document)[path]?.post) {
      findings.push(
        `Entity ${entity.name} (context ${context.name}) has no collection path ${path} (GET list and POST create) in api/${context.slug}.openapi.json.`,
      );
    }
  }
  return atLeast(name, round((refs.length - findings.length) / refs.length), 1, findings);
}

function commandsCriterion(
  documents: Loaded[],
  model: DomainModel | undefined,
  modelProblem?: string,
): GateCriterion {
  const name = 'Every command has an API operation';
  if (!model) return atLeast(name, 0, 1, [`Commands cannot be checked: ${modelProblem}`]);
  const findings: string[] = [];
  let total = 0;
  for (const context of model.contexts) {
    const paths = pathsOf(documentFor(documents, context.slug));
    for (const command of context.commands) {
      total += 1;
      const entity = context.entities.find((e: Entity) => e.name === command.entity);
      if (!entity) {
        findings.push(
          `Command ${command.name} (context ${context.name}) acts on entity ${command.entity}, which is not in that context.`,
        );
        continue;
      }
      const path = commandPath(entity, command);
      const operation = paths[path]?.post;
      if (!operation || operation.operationId !== camel(command.name)) {
        findings.push(
          `Command ${command.name} (context ${context.name}) has no operation: expected POST ${path} with operationId ${camel(command.name)} in api/${context.slug}.openapi.json.`,
        );
      }
    }
  }
  return atLeast(name, total === 0 ? 1 : round((total - findings.length) / total), 1, findings);
}

function adrCriterion(adrs: Loaded[]): GateCriterion {
  const findings: string[] = [];
  let wellFormed = 0;
  for (const adr of adrs) {
    const missing = missingMadrSections(adr.text);
    if (missing.length) findings.push(`${adr.name} lacks the MADR section(s) ${missing.join(', ')}.`);
    else wellFormed += 1;
  }
  if (wellFormed < 3) {
    findings.push(
      `Only ${wellFormed} well-formed ADR(s) were written; at least 3 are required (Status, Context, Decision, Consequences), one per significant choice.`,
    );
  }
  return atLeast('Architecture decisions are recorded (MADR ADRs)', wellFormed, 3, findings);
}

/** The words a screen for an entity would use in its file name or headings. */
function screenWords(name: string, entity?: Entity): string[] {
  const forms = [name, kebab(name), words(name)];
  if (entity) forms.push(entity.plural, entity.slug, kebab(entity.plural), words(entity.plural));
  return [...new Set(forms.map((w) => w.toLowerCase()))];
}

/**
 * Main screens are those of the entities the user stories are about (the backlog says what people do); without
 * stories, those of the aggregate roots. Each needs a complete HTML page that names it in its file name, title or
 * first heading.
 */
function mockupCriterion(
  mockups: Loaded[],
  model: DomainModel | undefined,
  stories: StoryRef[],
): GateCriterion {
  const name = 'Mockups exist for the main screens';
  const findings: string[] = [];
  const pages = mockups.filter((m) => m.name.endsWith('.html'));
  if (pages.length === 0) findings.push('No HTML mockup (ux-mockup) was written.');
  for (const page of pages) {
    if (!/^\s*<!doctype html>/i.test(page.text) || !/<\/html>\s*$/i.test(page.text))
      findings.push(`${page.name} is not a complete HTML5 page (doctype and closing </html>).`);
  }
  const entities = model ? allEntities(model).map((r) => r.entity) : [];
  const main = [...new Set(stories.map((s) => s.entity).filter(Boolean))];
  if (main.length === 0) main.push(...entities.filter((e) => e.aggregateRoot).map((e) => e.name));
  const texts = pages.map((page) => {
    const found = [page.name.toLowerCase()];
    const heading = /<(?:title|h1)[^>]*>([^<]*)</gi;
    for (let m = heading.exec(page.text); m; m = heading.exec(page.text)) found.push(m[1].toLowerCase());
    return found;
  });
  let covered = 0;
  for (const entityName of main) {
    const wanted = screenWords(
      entityName,
      entities.find((e) => e.name === entityName),
    );
    if (texts.some((list) => list.some((t) => wanted.some((w) => t.includes(w))))) covered += 1;
    else
      findings.push(
        `No mockup shows ${entityName}, a main screen (user stories are about it): add a ux-mockup page titled '${words(entityName)}'.`,
      );
  }
  const value = main.length === 0 ? 0 : round(covered / main.length);
  return { name, value, threshold: 1, passed: value >= 1 && findings.length === 0, findings };
}

function consistencyCriterion(model: DomainModel | undefined, modelProblem?: string): GateCriterion {
  return noFindings(
    'The domain model is consistent',
    model ? domainModelProblems(model) : [`The domain model cannot be checked: ${modelProblem}`],
  );
}

function contextMapCriterion(
  maps: Loaded[],
  model: DomainModel | undefined,
  modelProblem?: string,
): GateCriterion {
  const findings: string[] = [];
  if (maps.length === 0) findings.push('No context map (architecture/context-map.mmd) was written.');
  else if (!model) findings.push(`The context map cannot be checked: ${modelProblem}`);
  else {
    const map = maps[maps.length - 1].text;
    for (const context of model.contexts) {
      if (!map.includes(context.name))
        findings.push(`The context map does not show bounded context ${context.name}.`);
    }
  }
  return noFindings('The context map shows every bounded context', findings);
}

/**
 * The criteria on the domain model and the OpenAPI documents: what a run that starts after this phase, from an
 * architecture a person wrote, must meet before it starts.
 */
export async function architectureCriteria(models: Loaded[], openapi: Loaded[]): Promise<GateCriterion[]> {
  const { model, problem } = readDomainModel(models);
  return [
    consistencyCriterion(model, problem),
    rulesCriterion(model),
    await openApiCriterion(openapi),
    entitiesCriterion(openapi, model, problem),
    commandsCriterion(openapi, model, problem),
  ];
}

export const visionToArchitectureGate: GateDefinition = {
  phase: 'vision-to-architecture',
  reads: [
    'vision',
    'backlog',
    'domain-model',
    'openapi',
    'asyncapi',
    'event-schema',
    'adr',
    'ux-mockup',
    'context-map',
  ],
  async evaluate(ctx) {
    const [models, openapi, asyncapi, eventSchemas, adrs, mockups, maps, backlog, vision] = await Promise.all(
      [
        load(ctx, 'domain-model'),
        load(ctx, 'openapi'),
        load(ctx, 'asyncapi'),
        load(ctx, 'event-schema'),
        load(ctx, 'adr'),
        load(ctx, 'ux-mockup'),
        load(ctx, 'context-map'),
        load(ctx, 'backlog'),
        load(ctx, 'vision'),
      ],
    );
    const { model, problem } = readDomainModel(models);
    return [
      domainCriterion(vision),
      readingCriterion(vision),
      ...(await architectureCriteria(models, openapi)),
      await asyncApiCriterion(asyncapi),
      eventSchemaCriterion(eventSchemas, model),
      storiesCriterion(backlog, model, problem, visionEntities(vision)),
      adrCriterion(adrs),
      mockupCriterion(mockups, model, backlogStories(backlog)),
      contextMapCriterion(maps, model, problem),
    ];
  },
};
