/** The parts of an OpenAPI 3.1 document the conformance check reads, addressed by JSON pointers into it. */
type Json = Record<string, unknown>;

export interface ParameterSpec {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  /** Pointer to the parameter's schema. */
  schema: string;
  type?: string;
}

export interface ResponseSpec {
  /** Media type (without parameters) -> pointer to its schema. */
  content: Record<string, string>;
}

export interface OperationSpec {
  operationId: string;
  method: string;
  path: string;
  parameters: ParameterSpec[];
  /** Media types the request body may have -> pointer to its schema; absent when the operation takes no body. */
  requestBody?: { required: boolean; content: Record<string, string> };
  /** Keyed by status code, `1XX`..`5XX` ranges or `default`, as declared. */
  responses: Record<string, ResponseSpec>;
  /** Business rules that may refuse the operation (`x-rules`): id -> the status a violation answers. */
  rules: Map<string, number>;
}

const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

export function pointer(...segments: string[]): string {
  return '#' + segments.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** The node a local pointer (`#/components/schemas/Tool`) addresses. */
export function nodeAt(doc: Json, ref: string): unknown {
  return ref
    .replace(/^#\/?/, '')
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key], doc);
}

/** Follows local `$ref`s of components (parameters, request bodies, responses) to the object and its pointer. */
function follow(doc: Json, node: unknown, where: string): { node: Json; where: string } {
  let current = node as Json | undefined;
  let location = where;
  for (let depth = 0; current && typeof current.$ref === 'string' && depth < 10; depth++) {
    location = current.$ref;
    current = nodeAt(doc, location) as Json | undefined;
  }
  return { node: current ?? {}, where: location };
}

function contentOf(doc: Json, content: unknown, where: string): Record<string, string> {
  return Object.fromEntries(
    Object.entries((content ?? {}) as Json)
      .filter(([, media]) => (media as Json | undefined)?.schema !== undefined)
      .map(([type]) => [type.toLowerCase(), `${where}/content/${pointer(type).slice(2)}/schema`]),
  );
}

/** Every operation of the document, with pointers to the schemas of its parameters, body and responses. */
export function operationsOf(doc: Json): OperationSpec[] {
  const out: OperationSpec[] = [];
  for (const [path, rawItem] of Object.entries((doc.paths ?? {}) as Json)) {
    const item = follow(doc, rawItem, pointer('paths', path));
    for (const method of methods) {
      const operation = item.node[method] as Json | undefined;
      if (!operation) continue;
      const opWhere = `${item.where}/${method}`;
      const parameters = new Map<string, ParameterSpec>();
      const declared = [
        ...((item.node.parameters as unknown[] | undefined) ?? []).map((p, i) =>
          follow(doc, p, `${item.where}/parameters/${i}`),
        ),
        ...((operation.parameters as unknown[] | undefined) ?? []).map((p, i) =>
          follow(doc, p, `${opWhere}/parameters/${i}`),
        ),
      ];
      for (const { node, where } of declared) {
        if (node.in !== 'path' && node.in !== 'query') continue;
        const schema = follow(doc, node.schema, `${where}/schema`);
        parameters.set(`${String(node.in)}:${String(node.name)}`, {
          name: String(node.name),
          in: node.in,
          required: node.required === true,
          schema: `${where}/schema`,
          type: typeof schema.node.type === 'string' ? schema.node.type : undefined,
        });
      }
      const body = operation.requestBody
        ? follow(doc, operation.requestBody, `${opWhere}/requestBody`)
        : undefined;
      const responses = Object.fromEntries(
        Object.entries((operation.responses ?? {}) as Json).map(([status, raw]) => {
          const response = follow(doc, raw, `${opWhere}/responses/${status}`);
          return [status.toUpperCase(), { content: contentOf(doc, response.node.content, response.where) }];
        }),
      );
      out.push({
        operationId: typeof operation.operationId === 'string' ? operation.operationId : `${method} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters: [...parameters.values()],
        requestBody: body
          ? { required: body.node.required === true, content: contentOf(doc, body.node.content, body.where) }
          : undefined,
        responses,
        rules: new Map(
          (Array.isArray(operation['x-rules']) ? (operation['x-rules'] as Json[]) : []).flatMap((rule) =>
            typeof rule.id === 'string' && typeof rule.status === 'number'
              ? [[rule.id, rule.status] as const]
              : [],
          ),
        ),
      });
    }
  }
  return out;
}

function templatePattern(path: string): RegExp {
  const source = path
    .split(/(\{[^}]+\})/)
    .map((part) => (/^\{[^}]+\}$/.test(part) ? '([^/]+)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

export interface MatchedOperation {
  operation: OperationSpec;
  pathParameters: Record<string, string>;
}

/**
 * The operation a request addresses. A literal path wins over a template (`/v1/tools/search` over
 * `/v1/tools/{id}`), as OpenAPI requires. `pathKnown` tells a wrong method on a declared path from an unknown path.
 */
export function matchOperation(
  operations: OperationSpec[],
  method: string,
  pathname: string,
): { matched?: MatchedOperation; pathKnown: boolean } {
  const candidates = operations
    .map((operation) => ({ operation, match: templatePattern(operation.path).exec(pathname) }))
    .filter((c): c is { operation: OperationSpec; match: RegExpExecArray } => c.match !== null)
    .sort((a, b) => a.operation.path.split('{').length - b.operation.path.split('{').length);
  const paths = [...new Set(candidates.map((c) => c.operation.path))];
  const chosen = candidates.find(
    (c) => c.operation.path === paths[0] && c.operation.method === method.toUpperCase(),
  );
  if (!chosen) return { pathKnown: paths.length > 0 };
  const names = [...chosen.operation.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const pathParameters: Record<string, string> = {};
  names.forEach((name, index) => {
    let value = chosen.match[index + 1];
    try {
      value = decodeURIComponent(value);
    } catch {
      // A malformed escape stays as sent: the parameter's schema judges it.
    }
    pathParameters[name] = value;
  });
  return { matched: { operation: chosen.operation, pathParameters }, pathKnown: true };
}

/** The response a status falls under: the exact code, then its range (`4XX`), then `default`. */
export function responseFor(operation: OperationSpec, status: number): ResponseSpec | undefined {
  return (
    operation.responses[String(status)] ??
    operation.responses[`${String(status).charAt(0)}XX`] ??
    operation.responses.DEFAULT
  );
}
