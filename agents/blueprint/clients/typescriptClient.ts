import {
  type ClientModel,
  type ClientOperation,
  type JsonSchema,
  readClientModel,
  refName,
  typeName,
} from './openapiModel';
import { commentText } from '../../../toolchain/escaping/commentText';
import { tsLiteral } from '../../../toolchain/escaping/tsLiteral';

/**
 * The typed API client shared by the web and mobile apps: `http.ts` (configuration, `ApiError`, one `request`
 * function over `fetch`) and one module per bounded context with an interface per schema and a function per
 * operation id. Generated from the OpenAPI documents, never from the domain model, so the client is exactly
 * the published contract.
 */
export interface GeneratedClient {
  /** The context slug, also the module name (`<slug>.ts`). */
  slug: string;
  model: ClientModel;
  source: string;
}

export const httpModule = `/**
 * HTTP plumbing of the generated API client: where the API lives, how requests are sent, and the error every
 * non-2xx answer becomes. Errors follow RFC 9457 (application/problem+json).
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** Thrown for every answer outside 2xx; \`problem\` is the server's problem+json body (or one made up from the status). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;

  constructor(problem: ProblemDetails) {
    super(problem.detail ? \`\${problem.title}: \${problem.detail}\` : problem.title);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
  }

  /** The message for one field, when the server rejected the body field by field. */
  fieldError(field: string): string | undefined {
    return this.problem.errors?.find((error) => error.field === field)?.message;
  }
}

export interface ClientConfig {
  /** Where the API is served, e.g. \`https://api.example.org\`; empty means the page's own origin. */
  baseUrl: string;
  headers: Record<string, string>;
  fetch?: typeof fetch;
}

/** Each service has its own base URL, so each context module keeps its own configuration. */
export function createConfig(): ClientConfig {
  return { baseUrl: '', headers: {} };
}

export function applyConfig(config: ClientConfig, next: Partial<ClientConfig>): void {
  if (next.baseUrl !== undefined) config.baseUrl = next.baseUrl.replace(/\\/+$/, '');
  if (next.headers !== undefined) config.headers = { ...next.headers };
  if (next.fetch !== undefined) config.fetch = next.fetch;
}

export interface RequestOptions {
  /** Overrides the configured base URL for this call. */
  baseUrl?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export type QueryValue = string | number | boolean | undefined | null;

export interface RequestSpec {
  method: string;
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Whether the success answer carries a JSON body. */
  expectBody: boolean;
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, QueryValue>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return \`\${baseUrl.replace(/\\/+$/, '')}\${path}\${text ? \`?\${text}\` : ''}\`;
}

async function toProblem(response: Response): Promise<ProblemDetails> {
  const fallback: ProblemDetails = { type: 'about:blank', title: response.statusText || 'Request failed', status: response.status };
  const type = response.headers.get('content-type') ?? '';
  if (!/json/.test(type)) return fallback;
  try {
    const body = (await response.json()) as Partial<ProblemDetails>;
    return { ...fallback, ...body, status: typeof body.status === 'number' ? body.status : response.status };
  } catch {
    return fallback;
  }
}

export async function request<T>(config: ClientConfig, spec: RequestSpec, options: RequestOptions = {}): Promise<T> {
  const send = config.fetch ?? fetch;
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json', ...config.headers, ...options.headers };
  if (spec.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await send(buildUrl(options.baseUrl ?? config.baseUrl, spec.path, spec.query), {
      method: spec.method,
      headers,
      body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
      signal: options.signal,
    });
  } catch (cause) {
    // A network failure has no HTTP status; 0 keeps it apart from every server answer.
    throw new ApiError({ type: 'about:blank', title: 'Network error', status: 0, detail: cause instanceof Error ? cause.message : String(cause) });
  }
  if (!response.ok) throw new ApiError(await toProblem(response));
  if (!spec.expectBody || response.status === 204) return undefined as T;
  return (await response.json()) as T;
}
`;

/** A TypeScript type for a JSON Schema; references become the interface names of the components. */
export function schemaType(schema: JsonSchema | undefined, indent = ''): string {
  if (!schema) return 'unknown';
  const ref = refName(schema);
  if (ref) return typeName(ref);
  if (schema.const !== undefined) return tsLiteral(schema.const);
  if (schema.enum) return schema.enum.map((value) => tsLiteral(value)).join(' | ') || 'never';
  if (schema.allOf) return schema.allOf.map((s) => schemaType(s, indent)).join(' & ');
  if (schema.oneOf || schema.anyOf)
    return (schema.oneOf ?? schema.anyOf ?? []).map((s) => schemaType(s, indent)).join(' | ');
  const types = Array.isArray(schema.type)
    ? schema.type
    : schema.type
      ? [schema.type]
      : schema.properties
        ? ['object']
        : [];
  if (types.length === 0) return 'unknown';
  const parts = types.map((type) => {
    switch (type) {
      case 'string':
        return 'string';
      case 'integer':
      case 'number':
        return 'number';
      case 'boolean':
        return 'boolean';
      case 'null':
        return 'null';
      case 'array':
        return `Array<${schemaType(schema.items, indent)}>`;
      case 'object':
        return objectType(schema, indent);
      default:
        return 'unknown';
    }
  });
  if (schema.nullable) parts.push('null');
  return parts.join(' | ');
}

function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : tsLiteral(name);
}

function docComment(schema: JsonSchema, indent: string): string {
  const notes = [
    schema.description,
    schema.format ? `format: ${schema.format}` : undefined,
    schema.minimum !== undefined ? `minimum: ${schema.minimum}` : undefined,
    schema.maximum !== undefined ? `maximum: ${schema.maximum}` : undefined,
    schema.maxLength !== undefined ? `maxLength: ${schema.maxLength}` : undefined,
  ].filter(Boolean);
  return notes.length ? `${indent}/** ${commentText(notes.join('; '))} */\n` : '';
}

function objectBody(schema: JsonSchema, indent: string): string {
  const required = new Set(schema.required ?? []);
  const inner = `${indent}  `;
  const lines = Object.entries(schema.properties ?? {}).map(
    ([name, property]) =>
      `${docComment(property, inner)}${inner}${property.readOnly ? 'readonly ' : ''}${propertyKey(name)}${required.has(name) ? '' : '?'}: ${schemaType(property, inner)};`,
  );
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
    lines.push(`${inner}[key: string]: ${schemaType(schema.additionalProperties, inner)} | undefined;`);
  return lines.length ? `{\n${lines.join('\n')}\n${indent}}` : 'Record<string, never>';
}

function objectType(schema: JsonSchema, indent: string): string {
  if (!schema.properties && schema.additionalProperties && typeof schema.additionalProperties === 'object')
    return `Record<string, ${schemaType(schema.additionalProperties, indent)}>`;
  if (!schema.properties) return 'Record<string, unknown>';
  return objectBody(schema, indent);
}

function declaration(name: string, schema: JsonSchema): string {
  const id = typeName(name);
  const isPlainObject =
    (schema.type === 'object' || (!schema.type && schema.properties)) &&
    schema.properties &&
    !schema.allOf &&
    !schema.oneOf &&
    !schema.anyOf;
  const comment = schema.description ? `/** ${commentText(schema.description)} */\n` : '';
  if (isPlainObject) return `${comment}export interface ${id} ${objectBody(schema, '')}`;
  return `${comment}export type ${id} = ${schemaType(schema)};`;
}

/** The return type of an operation's function. */
export function responseType(operation: ClientOperation): string {
  return operation.success.schema ? schemaType(operation.success.schema) : 'void';
}

/** The body parameter type of an operation (named when the body is a component). */
export function bodyType(operation: ClientOperation): string {
  return operation.body ? schemaType(operation.body.schema) : 'never';
}

function operationFunction(operation: ClientOperation): string {
  const args: string[] = operation.pathParams.map(
    (p) =>
      `${p.identifier}: ${p.schema.type === 'integer' || p.schema.type === 'number' ? 'number' : 'string'}`,
  );
  if (operation.body) args.push(`body${operation.body.required ? '' : '?'}: ${bodyType(operation)}`);
  if (operation.queryParams.length) {
    const fields = operation.queryParams
      .map((p) => `${propertyKey(p.name)}${p.required ? '' : '?'}: ${schemaType(p.schema)}`)
      .join('; ');
    const anyRequired = operation.queryParams.some((p) => p.required);
    args.push(`query: { ${fields} }${anyRequired ? '' : ' = {}'}`);
  }
  args.push('options: RequestOptions = {}');
  // Literal parts of the path are string literals joined to the encoded parameters, never template text.
  const path = operation.path
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const param = operation.pathParams.find((p) => `{${p.name}}` === part);
      return param ? `encodeURIComponent(String(${param.identifier}))` : part && tsLiteral(part);
    })
    .filter(Boolean)
    .join(' + ');
  const spec = [`method: '${operation.method}'`, `path: ${path}`];
  if (operation.queryParams.length) spec.push('query');
  if (operation.body) spec.push('body');
  spec.push(`expectBody: ${operation.success.schema ? 'true' : 'false'}`);
  const summary = operation.summary ? `${operation.summary} ` : '';
  const comment = `${summary}\`${operation.method} ${operation.path}\` (operation \`${operation.operationId}\`; ${operation.success.status} on success).`;
  return `/** ${commentText(comment)} */
export function ${operation.functionName}(${args.join(', ')}): Promise<${responseType(operation)}> {
  return request<${responseType(operation)}>(config, { ${spec.join(', ')} }, options);
}`;
}

/** Generates the module of one bounded context from its OpenAPI document. */
export function generateClientModule(slug: string, document: unknown): GeneratedClient {
  const model = readClientModel(document);
  const schemas = Object.entries(model.schemas).map(([name, schema]) => declaration(name, schema));
  const functions = model.operations.map(operationFunction);
  const source = `/**
 * Typed client for ${commentText(`${model.title} ${model.version}`)}, generated from its OpenAPI document.
 * Every function throws \`ApiError\` (with the problem+json body) for answers outside 2xx.
 */
import { applyConfig, createConfig, request, type ClientConfig, type RequestOptions } from './http.js';

export { ApiError } from './http.js';

const config = createConfig();

/** Sets this service's base URL, default headers (e.g. Authorization) or fetch implementation. */
export function configure(next: Partial<ClientConfig>): void {
  applyConfig(config, next);
}

${schemas.join('\n\n')}

${functions.join('\n\n')}
`;
  return { slug, model, source };
}

/** The files of the client, relative to the folder it is placed in (`src/api/` in the apps). */
export function clientFiles(clients: GeneratedClient[]): Array<{ path: string; content: string }> {
  return [
    { path: 'http.ts', content: httpModule },
    ...clients.map((client) => ({ path: `${client.slug}.ts`, content: client.source })),
  ];
}
