/**
 * Reads an OpenAPI 3.x document into the few facts a client generator needs: named schemas and operations
 * with their path parameters, query parameters, request body and success response. Only local `$ref`s
 * (`#/components/...`) are followed: the documents of this factory are self-contained.
 */
export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  nullable?: boolean;
  readOnly?: boolean;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  pattern?: string;
  default?: unknown;
};

export interface ClientParameter {
  name: string;
  /** A valid TypeScript identifier for the parameter. */
  identifier: string;
  required: boolean;
  schema: JsonSchema;
}

export interface ClientOperation {
  operationId: string;
  /** A valid TypeScript function name. */
  functionName: string;
  method: string;
  path: string;
  summary?: string;
  pathParams: ClientParameter[];
  queryParams: ClientParameter[];
  body?: { required: boolean; schema: JsonSchema };
  /** The success response; `schema` undefined means no body (204). */
  success: { status: number; schema?: JsonSchema };
}

export interface ClientModel {
  title: string;
  version: string;
  schemas: Record<string, JsonSchema>;
  operations: ClientOperation[];
}

const methods = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Doc = {
  info?: { title?: string; version?: string };
  paths?: Record<string, Record<string, unknown>>;
  components?: {
    schemas?: Record<string, JsonSchema>;
    parameters?: Record<string, unknown>;
    requestBodies?: Record<string, unknown>;
    responses?: Record<string, unknown>;
  };
};

export function identifier(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const joined = words
    .map((word, index) =>
      index === 0
        ? word.charAt(0).toLowerCase() + word.slice(1)
        : word.charAt(0).toUpperCase() + word.slice(1),
    )
    .join('');
  const safe = /^[0-9]/.test(joined) ? `_${joined}` : joined || '_';
  return reserved.has(safe) ? `${safe}_` : safe;
}

export function typeName(name: string): string {
  const id = identifier(name);
  return id.charAt(0).toUpperCase() + id.slice(1);
}

const reserved = new Set([
  'delete',
  'new',
  'function',
  'class',
  'default',
  'return',
  'switch',
  'case',
  'var',
  'let',
  'const',
  'import',
  'export',
  'in',
  'for',
  'while',
  'do',
  'if',
  'else',
  'this',
  'typeof',
  'void',
  'with',
  'yield',
  'enum',
  'await',
  'try',
  'catch',
  'finally',
  'throw',
  'super',
  'extends',
  'instanceof',
  'null',
  'true',
  'false',
  'debugger',
  'continue',
  'break',
]);

/** Follows a local `$ref` (`#/components/<section>/<name>`) to the object it names. */
function resolve<T>(doc: Doc, value: unknown): T {
  let current = value as { $ref?: string } | undefined;
  for (let hops = 0; current && typeof current.$ref === 'string' && hops < 16; hops++) {
    const match = /^#\/components\/([^/]+)\/(.+)$/.exec(current.$ref);
    if (!match)
      throw new Error(`unsupported $ref ${current.$ref}: only local component references are followed`);
    const section = (doc.components as Record<string, Record<string, unknown>> | undefined)?.[match[1]];
    const next = section?.[match[2]];
    if (!next) throw new Error(`$ref ${current.$ref} does not exist in the document`);
    if (match[1] === 'schemas') return current as T;
    current = next as { $ref?: string };
  }
  return current as T;
}

export function readClientModel(document: unknown): ClientModel {
  const doc = document as Doc;
  if (!doc || typeof doc !== 'object' || !doc.paths) throw new Error('not an OpenAPI document: no paths');
  const operations: ClientOperation[] = [];
  const taken = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths)) {
    const shared = ((item.parameters as unknown[]) ?? []).map((p) =>
      resolve<Record<string, unknown>>(doc, p),
    );
    for (const method of methods) {
      const raw = item[method] as Record<string, unknown> | undefined;
      if (!raw) continue;
      const operationId = (raw.operationId as string) ?? `${method}${path.replace(/[{}]/g, '')}`;
      let functionName = identifier(operationId);
      while (taken.has(functionName)) functionName = `${functionName}_`;
      taken.add(functionName);
      const own = ((raw.parameters as unknown[]) ?? []).map((p) => resolve<Record<string, unknown>>(doc, p));
      const parameters = [
        ...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)),
        ...own,
      ];
      const param = (p: Record<string, unknown>): ClientParameter => ({
        name: String(p.name),
        identifier: identifier(String(p.name)),
        required: p.in === 'path' ? true : Boolean(p.required),
        schema: (p.schema as JsonSchema) ?? {},
      });
      // Path parameters in the order they appear in the path, so call sites read like the URL.
      const pathParams = parameters
        .filter((p) => p.in === 'path')
        .map(param)
        .sort((a, b) => path.indexOf(`{${a.name}}`) - path.indexOf(`{${b.name}}`));
      const queryParams = parameters.filter((p) => p.in === 'query').map(param);
      let body: ClientOperation['body'];
      if (raw.requestBody) {
        const requestBody = resolve<{
          required?: boolean;
          content?: Record<string, { schema?: JsonSchema }>;
        }>(doc, raw.requestBody);
        const json = Object.entries(requestBody.content ?? {}).find(([type]) => /json/.test(type));
        if (json) body = { required: Boolean(requestBody.required), schema: json[1].schema ?? {} };
      }
      const responses = (raw.responses as Record<string, unknown>) ?? {};
      const successCode = Object.keys(responses)
        .filter((code) => /^2\d\d$/.test(code))
        .sort()[0];
      let success: ClientOperation['success'] = { status: 204 };
      if (successCode) {
        const response = resolve<{ content?: Record<string, { schema?: JsonSchema }> }>(
          doc,
          responses[successCode],
        );
        const json = Object.entries(response.content ?? {}).find(([type]) => /json/.test(type));
        success = { status: Number(successCode), schema: json ? (json[1].schema ?? {}) : undefined };
      }
      operations.push({
        operationId,
        functionName,
        method: method.toUpperCase(),
        path,
        summary: (raw.summary as string) ?? (raw.description as string) ?? undefined,
        pathParams,
        queryParams,
        body,
        success,
      });
    }
  }
  return {
    title: doc.info?.title ?? 'API',
    version: doc.info?.version ?? '0',
    schemas: doc.components?.schemas ?? {},
    operations,
  };
}

/** The component name a schema refers to, if it is a `$ref`. */
export function refName(schema: JsonSchema | undefined): string | undefined {
  const match = schema?.$ref ? /^#\/components\/schemas\/(.+)$/.exec(schema.$ref) : null;
  return match ? match[1] : undefined;
}
