import type { BoundedContext, DomainModel } from '../../../toolchain/schemas/domainModel';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import type { Story } from '../../../toolchain/schemas/backlog';
import { buildOpenApi } from '../architecture/openapi';
import { nextMigration, removedDatabase, type NextMigrationOptions } from '../database/nextMigration';

/*
 * What a version of a product changes against the release it follows, from the two domain models: entities,
 * attributes and rules; each service's endpoints (the compiled OpenAPI documents, with the changes a client would
 * break on); each database's migration. The pull request and the run report show it.
 */

export interface EndpointChange {
  service: string;
  /** `POST /v1/tools`, or a schema of the document: `schema Tool`. */
  what: string;
  change: 'added' | 'removed' | 'changed';
  breaking: boolean;
  detail?: string;
}

export interface ProductChanges {
  after: string;
  /**
   * User stories by their text ("As a …, I want …, so that …"): new, gone, or with other acceptance criteria.
   * Absent when either backlog could not be read.
   */
  stories?: { added: string[]; removed: string[]; changed: string[] };
  entities: { added: string[]; removed: string[] };
  attributes: string[];
  rules: { added: string[]; removed: string[] };
  endpoints: EndpointChange[];
  migrations: Array<{ database: string; changes: string[]; refusals: string[] }>;
  services: { added: string[]; removed: string[] };
}

type Json = Record<string, unknown>;

const httpMethods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const entitiesOf = (model: DomainModel) =>
  new Map(model.contexts.flatMap((c) => c.entities.map((e) => [e.name, e] as const)));

const rulesOf = (model: DomainModel) =>
  new Map(
    model.contexts.flatMap((c) =>
      c.entities.flatMap((e) => (e.rules ?? []).map((r) => [r.id, r.text] as const)),
    ),
  );

/** What changes in one schema of an OpenAPI document, and whether a client written against the old one breaks. */
function schemaChange(before: Json, after: Json): { detail: string; breaking: boolean } | undefined {
  const props = (schema: Json) => (schema.properties ?? {}) as Record<string, Json>;
  const required = (schema: Json) => new Set((schema.required ?? []) as string[]);
  const notes: string[] = [];
  let breaking = false;
  for (const name of Object.keys(props(before)))
    if (!(name in props(after))) {
      notes.push(`${name} removed`);
      breaking = true;
    } else if (JSON.stringify(props(before)[name]) !== JSON.stringify(props(after)[name])) {
      notes.push(`${name} changed`);
      breaking = breaking || props(before)[name].type !== props(after)[name].type;
    }
  for (const name of Object.keys(props(after)))
    if (!(name in props(before)))
      notes.push(`${name} added${required(after).has(name) ? ' (required)' : ''}`);
  for (const name of required(after))
    if (!required(before).has(name)) {
      if (name in props(before)) notes.push(`${name} now required`);
      breaking = true;
    }
  if (!notes.length && JSON.stringify(before) === JSON.stringify(after)) return undefined;
  return { detail: notes.join(', ') || 'changed', breaking };
}

export function endpointChanges(
  service: string,
  before: Json | undefined,
  after: Json | undefined,
): EndpointChange[] {
  const operations = (doc: Json | undefined) =>
    new Map(
      Object.entries((doc?.paths ?? {}) as Record<string, Record<string, Json>>).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([method]) => httpMethods.includes(method))
          .map(([method, op]) => [`${method.toUpperCase()} ${path}`, op] as const),
      ),
    );
  const schemas = (doc: Json | undefined) =>
    ((doc?.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const [was, now] = [operations(before), operations(after)];
  const changes: EndpointChange[] = [];
  for (const what of now.keys())
    if (!was.has(what)) changes.push({ service, what, change: 'added', breaking: false });
  for (const what of was.keys())
    if (!now.has(what)) changes.push({ service, what, change: 'removed', breaking: true });
  const [oldSchemas, newSchemas] = [schemas(before), schemas(after)];
  for (const [name, schema] of Object.entries(newSchemas)) {
    if (!(name in oldSchemas)) {
      changes.push({ service, what: `schema ${name}`, change: 'added', breaking: false });
      continue;
    }
    const changed = schemaChange(oldSchemas[name], schema);
    if (changed) changes.push({ service, what: `schema ${name}`, change: 'changed', ...changed });
  }
  for (const name of Object.keys(oldSchemas))
    if (!(name in newSchemas))
      changes.push({ service, what: `schema ${name}`, change: 'removed', breaking: true });
  return changes;
}

/** Stories are known by what they say: the Product Owner numbers them afresh each time. */
function storyChanges(before: Story[], now: Story[]): NonNullable<ProductChanges['stories']> {
  const byText = (stories: Story[]) => new Map(stories.map((s) => [s.text, s]));
  const [was, is] = [byText(before), byText(now)];
  const named = (s: Story) => `${s.id}: ${s.title} (${s.text})`;
  return {
    added: now.filter((s) => !was.has(s.text)).map(named),
    removed: before.filter((s) => !is.has(s.text)).map(named),
    changed: now
      .filter(
        (s) =>
          was.has(s.text) &&
          JSON.stringify(was.get(s.text)!.acceptanceCriteria) !== JSON.stringify(s.acceptanceCriteria),
      )
      .map((s) => `${named(s)}: acceptance criteria changed`),
  };
}

/** What `model` changes against `previous`, the model of the release `after`. */
export function productChanges(
  previous: DomainModel,
  model: DomainModel,
  after: string,
  /** The change's terms, as the Database Architect applied them. */
  terms: NextMigrationOptions = {},
  /** The user stories of both releases' backlogs, when both could be read. */
  stories?: { before: Story[]; now: Story[] },
): ProductChanges {
  const [was, now] = [entitiesOf(previous), entitiesOf(model)];
  const attributes: string[] = [];
  for (const [name, entity] of now) {
    const old = was.get(name);
    if (!old) continue;
    for (const attribute of entity.attributes) {
      const before = old.attributes.find((a) => a.name === attribute.name);
      if (!before)
        attributes.push(
          `${name}.${attribute.name} added (${attribute.type}${attribute.required ? ', required' : ''})`,
        );
      else if (JSON.stringify(before) !== JSON.stringify(attribute))
        attributes.push(
          `${name}.${attribute.name} changed${before.type !== attribute.type ? ` (${before.type} to ${attribute.type})` : ''}${before.required !== attribute.required ? (attribute.required ? ', now required' : ', now optional') : ''}`,
        );
    }
    for (const attribute of old.attributes)
      if (!entity.attributes.some((a) => a.name === attribute.name))
        attributes.push(`${name}.${attribute.name} removed`);
  }
  const [oldRules, newRules] = [rulesOf(previous), rulesOf(model)];
  const contextOf = (m: DomainModel, slug: string): BoundedContext | undefined =>
    m.contexts.find((c) => c.slug === slug);
  const slugs = [...new Set([...previous.contexts, ...model.contexts].map((c) => c.slug))];
  return {
    after,
    ...(stories ? { stories: storyChanges(stories.before, stories.now) } : {}),
    entities: {
      added: [...now.keys()].filter((n) => !was.has(n)),
      removed: [...was.keys()].filter((n) => !now.has(n)),
    },
    attributes,
    rules: {
      added: [...newRules]
        .filter(([id, text]) => oldRules.get(id) !== text)
        .map(([id, text]) => `${id}: ${text}`),
      removed: [...oldRules]
        .filter(([id, text]) => newRules.get(id) !== text)
        .map(([id, text]) => `${id}: ${text}`),
    },
    endpoints: slugs.flatMap((slug) => {
      const [before, after_] = [contextOf(previous, slug), contextOf(model, slug)];
      return endpointChanges(
        slug,
        before && (buildOpenApi(previous, before) as Json),
        after_ && (buildOpenApi(model, after_) as Json),
      );
    }),
    migrations: [
      ...model.contexts
        .filter((c) => contextOf(previous, c.slug))
        .map((c) => ({ database: `db/${c.slug}`, ...nextMigration(previous, model, c, terms) })),
      ...previous.contexts
        .filter((c) => !contextOf(model, c.slug))
        .map((c) => ({ database: `db/${c.slug}`, ...removedDatabase(c, terms) })),
    ]
      .filter((m) => m.changes.length || m.refusals.length)
      .map(({ database, changes, refusals }) => ({ database, changes, refusals })),
    services: {
      added: model.contexts.filter((c) => !contextOf(previous, c.slug)).map((c) => c.slug),
      removed: previous.contexts.filter((c) => !contextOf(model, c.slug)).map((c) => c.slug),
    },
  };
}

/** The changes as a Markdown section. */
export function renderProductChanges(changes: ProductChanges): string {
  const list = (title: string, items: string[]) =>
    items.length ? [`### ${title}`, '', ...items.map((item) => `- ${markdownText(item)}`), ''] : [];
  const endpoints = changes.endpoints.map(
    (e) =>
      `- ${markdownText(`${e.service}: ${e.what} ${e.change}${e.detail ? ` (${e.detail})` : ''}`)}${e.breaking ? ' **breaking**' : ''}`,
  );
  const lines = [
    ...list('User stories added', changes.stories?.added ?? []),
    ...list('User stories removed', changes.stories?.removed ?? []),
    ...list('User stories changed', changes.stories?.changed ?? []),
    ...list('Entities added', changes.entities.added),
    ...list('Entities removed', changes.entities.removed),
    ...list('Attributes', changes.attributes),
    ...list('Rules added or changed', changes.rules.added),
    ...list('Rules removed or changed', changes.rules.removed),
    ...list('Services added', changes.services.added),
    ...list('Services removed', changes.services.removed),
    ...(endpoints.length ? ['### Endpoints', '', ...endpoints, ''] : []),
    ...changes.migrations.flatMap((m) =>
      list(`Migration of ${m.database}`, [...m.changes, ...m.refusals.map((r) => `refused: ${r}`)]),
    ),
  ];
  return [
    `## Changes since release ${changes.after}`,
    '',
    ...(lines.length ? lines : ['None: the product is as it was released.', '']),
  ].join('\n');
}
