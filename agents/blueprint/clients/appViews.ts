import { contextOperations, type Operation } from '../../../toolchain/apiConventions';
import type { BoundedContext, Command, Entity } from '../../../toolchain/schemas/domainModel';
import { tsLiteral } from '../../../toolchain/escaping/tsLiteral';
import { isMoneyPattern, moneyInputPattern } from '../../../toolchain/money';
import { type ClientModel, type ClientOperation, type JsonSchema, refName, typeName } from './openapiModel';
import { schemaType, type GeneratedClient } from './typescriptClient';

/**
 * The screens of the generated apps, one module per bounded context: for each entity a list (paged), a create
 * form, a detail view with one button per command (disabled outside the states the command is allowed from)
 * and delete. Field types and request shapes come from the OpenAPI document through the typed client; the
 * domain model adds what HTTP does not say (which commands exist, from which states).
 */
export type AppVariant = 'web' | 'mobile';

export interface EntityScreens {
  context: string;
  entity: string;
  list: boolean;
  create: boolean;
  detail: boolean;
  commands: string[];
}

export interface ViewModule {
  path: string;
  content: string;
  screens: EntityScreens[];
  /** Operations the domain model implies but the OpenAPI document lacks (screens that could not be built). */
  missing: string[];
  routesExport: string;
}

const systemFields = new Set(['id', 'createdBy', 'createdAt', 'updatedAt']);

function resolved(model: ClientModel, schema: JsonSchema | undefined): JsonSchema | undefined {
  const name = refName(schema);
  return name ? resolved(model, model.schemas[name]) : schema;
}

function baseType(schema: JsonSchema): string | undefined {
  const types = Array.isArray(schema.type)
    ? schema.type.filter((t) => t !== 'null')
    : schema.type
      ? [schema.type]
      : [];
  return types[0];
}

const accessor = (object: string, key: string) =>
  /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${object}.${key}` : `${object}[${tsLiteral(key)}]`;
const keyOf = (key: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : tsLiteral(key));

/** One form field and the expression that reads it back with the type the client expects. */
function field(
  model: ClientModel,
  name: string,
  property: JsonSchema,
  required: boolean,
): { spec: string; read: string } {
  const schema = resolved(model, property) ?? {};
  const q = tsLiteral(name);
  const spec = (input: string, extra: Record<string, unknown> = {}) =>
    tsLiteral({ name, required, input, ...extra });
  const opt = required ? '' : 'Optional';
  if (schema.enum && schema.enum.every((value) => typeof value === 'string')) {
    const options = tsLiteral(schema.enum);
    return {
      spec: spec('select', { options: schema.enum }),
      read: `read${opt}Choice(form, ${q}, ${options} as const)`,
    };
  }
  const type = baseType(schema);
  if (type === 'string' && schema.pattern && isMoneyPattern(schema.pattern))
    return {
      spec: spec('money', { pattern: moneyInputPattern(schema.pattern) }),
      read: `read${opt}Money(form, ${q})`,
    };
  if (type === 'string') {
    if (schema.format === 'date-time')
      return { spec: spec('datetime-local'), read: `read${opt}DateTime(form, ${q})` };
    const input =
      schema.format === 'date'
        ? 'date'
        : schema.format === 'email'
          ? 'email'
          : (schema.maxLength ?? 1000) > 255
            ? 'textarea'
            : 'text';
    return {
      spec: spec(input, schema.maxLength ? { maxLength: schema.maxLength } : {}),
      read: `read${opt}Text(form, ${q})`,
    };
  }
  if (type === 'integer' || type === 'number') {
    const extra: Record<string, unknown> = { step: type === 'integer' ? '1' : 'any' };
    if (schema.minimum !== undefined) extra.min = schema.minimum;
    if (schema.maximum !== undefined) extra.max = schema.maximum;
    return { spec: spec('number', extra), read: `read${opt}Number(form, ${q})` };
  }
  if (type === 'boolean') return { spec: spec('checkbox'), read: `readBoolean(form, ${q})` };
  return { spec: spec('json'), read: `readJson<${schemaType(property)}>(form, ${q})` };
}

/** Fields and a reader function for an object schema (a create body or a command body). */
function formCode(
  model: ClientModel,
  functionName: string,
  bodySchema: JsonSchema,
): { fieldsConst: string; reader: string } | undefined {
  const schema = resolved(model, bodySchema);
  if (!schema?.properties) return undefined;
  const required = new Set(schema.required ?? []);
  const entries = Object.entries(schema.properties).filter(([, property]) => !property.readOnly);
  const fields = entries.map(([name, property]) => ({
    name,
    ...field(model, name, property, required.has(name)),
  }));
  const type = schemaType(bodySchema);
  return {
    fieldsConst: `const ${functionName}Fields: FieldSpec[] = [\n${fields.map((f) => `  ${f.spec},`).join('\n')}\n];`,
    reader: `function read${functionName.charAt(0).toUpperCase()}${functionName.slice(1)}(form: HTMLFormElement): ${type} {\n  return {\n${fields.map((f) => `    ${keyOf(f.name)}: ${f.read},`).join('\n')}\n  };\n}`,
  };
}

function byId(client: GeneratedClient, operation: Operation | undefined): ClientOperation | undefined {
  return operation
    ? client.model.operations.find((candidate) => candidate.operationId === operation.operationId)
    : undefined;
}

function entityCode(
  context: BoundedContext,
  entity: Entity,
  client: GeneratedClient,
  variant: AppVariant,
  missing: string[],
): { code: string; routes: string[]; screens: EntityScreens; imports: Set<string> } {
  const operations = contextOperations(context).filter((operation) => operation.entity === entity.name);
  const find = (action: Operation['action']) => {
    const operation = operations.find((candidate) => candidate.action === action);
    const found = byId(client, operation);
    if (operation && !found)
      missing.push(
        `${context.slug}: ${operation.operationId} (${operation.method.toUpperCase()} ${operation.path})`,
      );
    return found;
  };
  const list = find('list');
  const create = find('create');
  const get = find('get');
  const remove = find('delete');
  const commands = operations
    .filter((operation) => operation.action === 'command')
    .map((operation) => ({
      operation,
      client: byId(client, operation),
      command: context.commands.find((c) => c.name === operation.command) as Command,
    }))
    .filter((entry) => {
      if (!entry.client)
        missing.push(
          `${context.slug}: ${entry.operation.operationId} (${entry.operation.method.toUpperCase()} ${entry.operation.path})`,
        );
      return Boolean(entry.client);
    });
  const imports = new Set<string>();
  const itemSchema = resolved(client.model, get?.success.schema ?? list?.success.schema);
  const entityType = get?.success.schema ? schemaType(get.success.schema) : typeName(entity.name);
  const entityProperties = Object.keys(itemSchema?.properties ?? {});
  const hasStatus = entityProperties.includes('status');
  const columns = entityProperties.filter((key) => !systemFields.has(key) && key !== 'status').slice(0, 4);
  if (hasStatus) columns.push('status');
  const base = `#/${context.slug}/${entity.slug}`;
  const v = entity.name.charAt(0).toLowerCase() + entity.name.slice(1);
  const parts: string[] = [];
  const routes: string[] = [];

  if (list) {
    imports.add(list.functionName);
    const row =
      variant === 'web'
        ? `el('tr', {}, ${columns.map((key) => `el('td', {}, display(${accessor('item', key)}))`).join(', ')}, el('td', {}, el('a', { href: \`${base}/\${item.id}\` }, 'Open')))`
        : `el('li', { class: 'card' }, el('a', { href: \`${base}/\${item.id}\` }, ${columns.map((key, index) => `el('${index === 0 ? 'strong' : 'span'}', {${key === 'status' ? " class: 'badge'" : ''} }, display(${accessor('item', key)}))`).join(', ')}))`;
    const container =
      variant === 'web'
        ? `el('table', { class: 'list' }, el('thead', {}, el('tr', {}, ${columns.map((key) => `el('th', {}, label(${tsLiteral(key)}))`).join(', ')}, el('th', {}))), el('tbody', {}, ...page.items.map((item) => ${row})))`
        : `el('ul', { class: 'cards' }, ...page.items.map((item) => ${row}))`;
    parts.push(`/** ${entity.plural}: one page at a time, newest first as the service returns them. */
export async function ${v}ListView(root: HTMLElement, offset = 0): Promise<void> {
  const limit = 20;
  const page = await ${list.functionName}(${list.queryParams.some((p) => p.name === 'limit') ? '{ limit, offset }' : ''});
  clear(
    root,
    el('header', { class: 'view-header' }, el('h1', {}, ${tsLiteral(labelOf(entity.plural))}), ${create ? `el('a', { class: 'button primary', href: '${base}/new' }, 'New ${labelOf(entity.name).toLowerCase()}')` : 'null'}),
    page.items.length === 0 ? el('p', { class: 'empty' }, 'Nothing here yet.') : ${container},
    el('nav', { class: 'pager' },
      offset > 0 ? el('a', { class: 'button', href: \`${base}?offset=\${Math.max(0, offset - limit)}\` }, 'Previous') : null,
      el('span', {}, \`\${page.total === 0 ? 0 : offset + 1}–\${Math.min(offset + limit, page.total)} of \${page.total}\`),
      offset + limit < page.total ? el('a', { class: 'button', href: \`${base}?offset=\${offset + limit}\` }, 'Next') : null,
    ),
  );
}`);
    routes.push(
      `{ pattern: /^${escape(base)}(?:\\?offset=(\\d+))?$/, render: (root, match) => ${v}ListView(root, Number(match[1] ?? 0)) }`,
    );
  }

  if (create?.body) {
    const form = formCode(client.model, `${v}Create`, create.body.schema);
    if (form) {
      imports.add(create.functionName);
      parts.push(form.fieldsConst, form.reader);
      parts.push(`export function ${v}CreateView(root: HTMLElement): void {
  const form = el('form', { class: 'form', novalidate: '' }, ...renderFields(${v}CreateFields), el('button', { type: 'submit', class: 'button primary' }, 'Create'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      try {
        const created = await ${create.functionName}(read${v.charAt(0).toUpperCase()}${v.slice(1)}Create(form));
        navigate(\`${base}/\${created.id}\`);
      } catch (error) {
        showProblem(form, error);
      }
    })();
  });
  clear(root, el('header', { class: 'view-header' }, el('h1', {}, ${tsLiteral(`New ${labelOf(entity.name).toLowerCase()}`)}), el('a', { href: '${base}' }, 'Back')), form);
}`);
      routes.push(`{ pattern: /^${escape(base)}\\/new$/, render: (root) => ${v}CreateView(root) }`);
    }
  }

  if (get) {
    imports.add(get.functionName);
    const commandParts: string[] = [];
    for (const { client: op, command } of commands) {
      const operation = op as ClientOperation;
      imports.add(operation.functionName);
      const allowed =
        hasStatus && command.allowedFrom?.length
          ? `(${tsLiteral(command.allowedFrom)} as readonly string[]).includes(item.status)`
          : 'true';
      const bodyForm = operation.body?.required
        ? formCode(client.model, `${v}${command.name}`, operation.body.schema)
        : undefined;
      if (bodyForm) {
        parts.push(bodyForm.fieldsConst, bodyForm.reader);
        const reader = `read${v.charAt(0).toUpperCase()}${v.slice(1)}${command.name}`;
        commandParts.push(`commandForm(${tsLiteral(labelOf(command.verb))}, ${allowed}, ${v}${command.name}Fields, async (form) => {
        await ${operation.functionName}(item.id, ${reader}(form));
      })`);
      } else {
        const call = operation.body?.required
          ? `${operation.functionName}(item.id, {})`
          : `${operation.functionName}(item.id)`;
        commandParts.push(`commandButton(${tsLiteral(labelOf(command.verb))}, ${tsLiteral(command.description)}, ${allowed}, async () => {
        await ${call};
      })`);
      }
    }
    if (remove) imports.add(remove.functionName);
    parts.push(`export async function ${v}DetailView(root: HTMLElement, id: string): Promise<void> {
  const item: ${entityType} = await ${get.functionName}(id);
  const refresh = () => ${v}DetailView(root, id);
  const commandButton = (text: string, hint: string, enabled: boolean, run: () => Promise<void>) => {
    const button = el('button', { type: 'button', class: 'button', title: hint }, text);
    button.disabled = !enabled;
    button.addEventListener('click', () => {
      button.disabled = true;
      run().then(refresh, (error: unknown) => {
        button.disabled = false;
        showProblem(actions, error);
      });
    });
    return button;
  };
  const commandForm = (text: string, enabled: boolean, fields: FieldSpec[], run: (form: HTMLFormElement) => Promise<void>) => {
    const form = el('form', { class: 'form inline' }, ...renderFields(fields), el('button', { type: 'submit', class: 'button' }, text));
    form.querySelector('button')!.disabled = !enabled;
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      run(form).then(refresh, (error: unknown) => showProblem(form, error));
    });
    return form;
  };
  void commandButton;
  void commandForm;
  const actions = el(
    'div',
    { class: 'actions' },
${commandParts.map((part) => `    ${part},`).join('\n')}
${
  remove
    ? `    commandButton('Delete', 'Remove this ${labelOf(entity.name).toLowerCase()}', true, async () => {
      await ${remove.functionName}(item.id);
      navigate('${list ? base : '#/'}');
    }),`
    : ''
}
  );
  clear(
    root,
    el('header', { class: 'view-header' }, el('h1', {}, ${tsLiteral(labelOf(entity.name))}), ${hasStatus ? `el('span', { class: 'badge' }, display(item.status)), ` : ''}el('a', { href: '${list ? base : '#/'}' }, 'Back')),
    el('dl', { class: 'details' }, ...Object.entries(item).flatMap(([key, value]) => [el('dt', {}, label(key)), el('dd', {}, display(value))])),
    actions,
  );
}`);
    routes.push(
      `{ pattern: /^${escape(base)}\\/([0-9a-fA-F-]{36})$/, render: (root, match) => ${v}DetailView(root, match[1]) }`,
    );
  }

  return {
    code: parts.join('\n\n'),
    routes,
    imports,
    screens: {
      context: context.slug,
      entity: entity.name,
      list: Boolean(list),
      create: routes.some((r) => r.includes('CreateView')),
      detail: Boolean(get),
      commands: commands.map((c) => c.command.name),
    },
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

export function labelOf(name: string): string {
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[_-]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** The view module of one bounded context (`src/views/<slug>.ts`). */
export function viewModule(
  context: BoundedContext,
  client: GeneratedClient,
  variant: AppVariant,
): ViewModule {
  const missing: string[] = [];
  const entities = context.entities.map((entity) => entityCode(context, entity, client, variant, missing));
  const imports = [...new Set(entities.flatMap((e) => [...e.imports]))].sort();
  const types = [...new Set(Object.keys(client.model.schemas).map(typeName))].sort();
  const routesExport = `${context.slug.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())}Routes`;
  const usedHelpers = [
    'clear',
    'display',
    'el',
    'FieldSpec',
    'label',
    'navigate',
    'readBoolean',
    'readChoice',
    'readDateTime',
    'readJson',
    'readMoney',
    'readNumber',
    'readOptionalChoice',
    'readOptionalDateTime',
    'readOptionalMoney',
    'readOptionalNumber',
    'readOptionalText',
    'readText',
    'renderFields',
    'showProblem',
  ];
  const body = entities.map((e) => e.code).join('\n\n');
  const helpers = usedHelpers.filter((name) => new RegExp(`\\b${name}\\b`).test(body));
  const content = `/** Screens for the ${context.name} context (${context.description}). */
import { ${[...imports, ...types.filter((t) => new RegExp(`\\b${t}\\b`).test(body)).map((t) => `type ${t}`)].join(', ')} } from '../api/${context.slug}.js';
import { ${helpers.map((h) => (h === 'FieldSpec' ? 'type FieldSpec' : h)).join(', ')} } from '../ui.js';
import type { Route } from '../router.js';

${body}

export const ${routesExport}: Route[] = [
${entities
  .flatMap((e) => e.routes)
  .map((route) => `  ${route},`)
  .join('\n')}
];
`;
  return {
    path: `src/views/${context.slug}.ts`,
    content,
    screens: entities.map((e) => e.screens),
    missing,
    routesExport,
  };
}

export const routerModule = `/** Hash routing: each screen has a URL a person can bookmark or share. */
export interface Route {
  pattern: RegExp;
  render(root: HTMLElement, match: RegExpMatchArray): void | Promise<void>;
}

export function startRouter(root: HTMLElement, routes: Route[], home: string, onError: (error: unknown) => void): void {
  // Each navigation draws into its own element, shown once drawn: a slower earlier screen that finishes late
  // draws into one that is no longer current instead of over the screen the person moved on to.
  let current: HTMLElement | null = null;
  const show = () => {
    const hash = window.location.hash || home;
    for (const route of routes) {
      const match = hash.match(route.pattern);
      if (match) {
        const screen = document.createElement('div');
        screen.className = 'screen';
        current = screen;
        Promise.resolve(route.render(screen, match)).then(
          () => {
            if (current === screen) root.replaceChildren(screen);
          },
          (error: unknown) => {
            if (current === screen) onError(error);
          },
        );
        return;
      }
    }
    window.location.hash = home;
  };
  window.addEventListener('hashchange', show);
  show();
}
`;
