import { tsLiteral } from '../../../toolchain/escaping/tsLiteral';

type Json = Record<string, unknown>;

interface OpenApiOperation {
  operationId: string;
  method: string;
  path: string;
  responses: Record<string, Json>;
  requestSchema?: Json;
  /**
   * The vision's rules that may refuse it (`x-rules`): status, the roles a caller needs where it names them, and
   * the two body fields a comparison rule relates.
   */
  rules: Array<{ status: number; roles: string[]; compares?: Comparison }>;
}

/** `left operator right` between two fields of a body, from a rule's `x-rules` entry. */
interface Comparison {
  left: string;
  operator: '<' | '<=' | '>' | '>=' | '=';
  right: string;
}

function comparisonOf(value: unknown): Comparison | undefined {
  const c = value as Partial<Comparison> | undefined;
  return typeof c?.left === 'string' &&
    typeof c.right === 'string' &&
    ['<', '<=', '>', '>=', '='].includes(String(c.operator))
    ? (c as Comparison)
    : undefined;
}

const methods = ['get', 'post', 'patch', 'put', 'delete'];

function resolve(doc: Json, node: unknown, depth = 0): Json {
  if (!node || typeof node !== 'object') return {};
  const ref = (node as Json).$ref;
  if (typeof ref === 'string' && depth < 10) {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((at, key) => (at as Json | undefined)?.[key], doc);
    return resolve(doc, target, depth + 1);
  }
  return node as Json;
}

/** Inlines every `$ref` so the generated test carries self-contained schemas. */
function inline(doc: Json, node: unknown, depth = 0): unknown {
  if (Array.isArray(node)) return node.map((item) => inline(doc, item, depth));
  if (!node || typeof node !== 'object') return node;
  const resolved = (node as Json).$ref ? resolve(doc, node) : (node as Json);
  if (depth > 12) return {};
  return Object.fromEntries(
    Object.entries(resolved).map(([key, value]) => [key, inline(doc, value, depth + 1)]),
  );
}

export function operationsOf(doc: Json): OpenApiOperation[] {
  const operations: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const method of methods) {
      const operation = item[method] as Json | undefined;
      if (!operation) continue;
      const responses = Object.fromEntries(
        Object.entries((operation.responses ?? {}) as Json).map(([status, response]) => [
          status,
          inline(doc, response) as Json,
        ]),
      );
      const body = resolve(doc, operation.requestBody);
      const schema = ((body.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema;
      operations.push({
        operationId: String(operation.operationId ?? `${method} ${path}`),
        method: method.toUpperCase(),
        path,
        responses,
        requestSchema: schema ? (inline(doc, schema) as Json) : undefined,
        rules: (Array.isArray(operation['x-rules']) ? (operation['x-rules'] as Json[]) : []).map((rule) => ({
          status: Number(rule.status),
          roles: Array.isArray(rule.roles)
            ? rule.roles.filter((r): r is string => typeof r === 'string')
            : [],
          ...(comparisonOf(rule.compares) ? { compares: comparisonOf(rule.compares) } : {}),
        })),
      });
    }
  }
  return operations;
}

/** A property that closes a span (its end, until, due, return date...), sampled after the others. */
const closesSpan = /end|until|due|finish|return|expir|close/i;

/**
 * A valid value for a property schema; `n` varies strings so unique properties do not collide, and a time that
 * closes a span (`later`) is an hour (a day for dates) after the others, as "end after start" rules want.
 */
export function sampleFor(schema: Json, n: number, later = false): unknown {
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  switch (type) {
    case 'integer':
      return Math.min(max ?? Infinity, Math.max(Math.ceil(min ?? 1), 1));
    case 'number':
      return Math.min(max ?? Infinity, (min ?? 0) + 12.5);
    case 'boolean':
      return true;
    case 'string': {
      const format = schema.format;
      if (format === 'email') return `contract${n}@example.org`;
      if (format === 'date') return later ? '2026-04-02' : '2026-04-01';
      if (format === 'date-time') return later ? '2026-04-01T11:00:00.000Z' : '2026-04-01T10:00:00.000Z';
      if (format === 'uuid') return '00000000-0000-4000-8000-0000000000aa';
      if (typeof schema.pattern === 'string' && /\\d|\[0-9\]/.test(schema.pattern)) return '12.50';
      const text = `sample ${n}`;
      return typeof schema.maxLength === 'number' ? text.slice(0, schema.maxLength) : text;
    }
    default:
      return 'sample';
  }
}

/**
 * A body of valid values; the fields a comparison rule relates get an earlier and a later value (numbers one
 * apart) so that the rule holds.
 */
export function sampleBody(schema: Json | undefined, n: number, comparisons: Comparison[] = []): Json {
  const properties = (schema?.properties ?? {}) as Record<string, Json>;
  const body = Object.fromEntries(
    Object.entries(properties)
      .filter(([, property]) => !property.readOnly)
      .map(([name, property]) => [name, sampleFor(property, n, closesSpan.test(name))]),
  );
  for (const { left, operator, right } of comparisons) {
    if (!(left in body) || !(right in body)) continue;
    const [early, late] = operator.startsWith('<') ? [left, right] : [right, left];
    const earlier = sampleFor(properties[early], n, false);
    const later = sampleFor(properties[late], n, true);
    body[early] = earlier;
    body[late] = operator === '=' ? earlier : typeof earlier === 'number' ? earlier + 1 : later;
  }
  return body;
}

const comparisonsOf = (op: OpenApiOperation | undefined): Comparison[] =>
  (op?.rules ?? []).flatMap((rule) => (rule.compares ? [rule.compares] : []));

function schemaOf(response: Json | undefined): Json | undefined {
  const content = response?.content as Record<string, Json> | undefined;
  if (!content) return undefined;
  return (content['application/json'] ?? content['application/problem+json'])?.schema as Json | undefined;
}

/** The small JSON Schema checker the generated contract tests embed (types, required, enum, formats). */
const checkerSource = `type Schema = { [key: string]: unknown };

function shapeErrors(schema: Schema | undefined, value: unknown, at = '$'): string[] {
  if (!schema) return [];
  const errors: string[] = [];
  const types = Array.isArray(schema.type) ? (schema.type as string[]) : schema.type ? [schema.type as string] : [];
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (types.length && !types.includes(actual) && !(actual === 'integer' && types.includes('number'))) {
    return [at + ' should be ' + types.join('|') + ' but is ' + actual];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(at + ' is not one of ' + schema.enum.join(', '));
  if (schema.format === 'uuid' && typeof value === 'string' && !/^[0-9a-f-]{36}$/i.test(value)) errors.push(at + ' is not a uuid');
  if (schema.format === 'date-time' && typeof value === 'string' && Number.isNaN(Date.parse(value))) errors.push(at + ' is not a date-time');
  if (actual === 'object') {
    const record = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in record)) errors.push(at + '.' + name + ' is required');
    }
    for (const [name, property] of Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {})) {
      if (record[name] !== undefined) errors.push(...shapeErrors(property, record[name], at + '.' + name));
    }
  }
  if (actual === 'array' && schema.items) {
    (value as unknown[]).forEach((item, index) => errors.push(...shapeErrors(schema.items as Schema, item, at + '[' + index + ']')));
  }
  return errors;
}
`;

/**
 * A node:test file checking a running service against its OpenAPI document: every operation is called (by a caller
 * holding every role the document's rules name), its status must be one the document declares, and its body must
 * match the declared response schema.
 */
export function contractTestSource(doc: Json, serviceTitle: string): string {
  const operations = operationsOf(doc);
  const q = tsLiteral;
  const roles = [...new Set(operations.flatMap((op) => op.rules.flatMap((rule) => rule.roles)))].sort();
  const createFor = (collection: string) =>
    operations.find((op) => op.method === 'POST' && op.path === collection && op.responses['201']);
  const lines: string[] = [];
  lines.push(`import { strict as assert } from 'node:assert';`);
  lines.push(`import { request as httpRequest } from 'node:http';`);
  lines.push(`import { after, before, describe, test } from 'node:test';`);
  lines.push(`import { main, type RunningService } from '../../src/main';`);
  lines.push(`import { serviceEnv, tokenFor } from '../client';`);
  lines.push('');
  lines.push(checkerSource);
  lines.push(
    `interface Reply {\n  status: number;\n  type: string;\n  location?: string;\n  body: unknown;\n}`,
  );
  lines.push('');
  lines.push(`let service: RunningService;\nlet counter = 0;\nlet authorization = '';\n`);
  // The contract's requests name records that need not exist: only the in-memory test double takes them.
  lines.push(
    `before(async () => {\n  service = await main(serviceEnv({}, { inMemory: true }));\n  authorization = 'Bearer ' + (await tokenFor('contract-tests', ${q(roles)}));\n});\n\nafter(async () => {\n  await service.stop();\n});`,
  );
  lines.push('');
  lines.push(`function send(method: string, path: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: service.port, method, path, agent: false,
        headers: { authorization, ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), location: res.headers.location,
            body: text ? (JSON.parse(text) as unknown) : undefined });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

// Each request names other records (ids) and unique values (emails, texts) of its own, as separate users would, so
// the vision's rules (a slot booked once, at most 2 per patient, room names unique) do not refuse the contract's
// requests.
function unique(body: Record<string, unknown>): Record<string, unknown> {
  counter += 1;
  const copy: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) {
      copy[name] = '00000000-0000-4000-8000-' + String(counter).padStart(12, '0');
    } else {
      copy[name] = typeof value !== 'string' ? value
        : value.startsWith('contract') ? value.replace('contract', 'contract' + counter + '-')
        : /^sample \\d+$/.test(value) ? 'sample ' + counter : value;
    }
  }
  return copy;
}

function expectDeclared(reply: Reply, responses: Record<string, Schema | undefined>, declared: string[]): void {
  assert.ok(declared.includes(String(reply.status)), 'status ' + reply.status + ' is not declared (declared: ' + declared.join(', ') + '): ' + JSON.stringify(reply.body));
  const errors = shapeErrors(responses[String(reply.status)], reply.body);
  assert.deepEqual(errors, [], 'response body does not match the documented schema');
}
`);
  lines.push(`const missingId = '00000000-0000-4000-8000-0000000000ff';`);
  lines.push('');
  lines.push(`describe(${q(`${serviceTitle} contract (OpenAPI)`)}, () => {`);
  for (const op of operations) {
    const declared = Object.keys(op.responses).filter((s) => /^\d{3}$/.test(s));
    const schemas = Object.fromEntries(declared.map((s) => [s, schemaOf(op.responses[s]) ?? null]));
    const success = declared.filter((s) => s.startsWith('2'));
    const collection = op.path.replace(/\/\{id\}.*$/, '');
    const create = op.path.includes('{id}') ? createFor(collection) : undefined;
    lines.push(
      `  test(${q(`${op.operationId}: ${op.method} ${op.path} answers a declared status with the declared shape`)}, async () => {`,
    );
    lines.push(`    const responses = ${q(schemas)} as unknown as Record<string, Schema | undefined>;`);
    let path = q(op.path);
    if (op.path.includes('{id}')) {
      if (!create) {
        lines.push(`    const id = missingId;`);
      } else {
        lines.push(
          `    const created = await send('POST', ${q(collection)}, unique(${q(sampleBody(create.requestSchema, 1, comparisonsOf(create)))}));`,
        );
        lines.push(
          `    assert.equal(created.status, 201, 'creating the resource first failed: ' + JSON.stringify(created.body));`,
        );
        lines.push(`    const id = String((created.body as Record<string, unknown>).id);`);
      }
      path = `${q(op.path.split('{id}')[0])} + id + ${q(op.path.split('{id}')[1])}`;
    }
    const body = op.requestSchema ? q(sampleBody(op.requestSchema, 1, comparisonsOf(op))) : undefined;
    lines.push(`    const reply = await send(${q(op.method)}, ${path}${body ? `, unique(${body})` : ''});`);
    lines.push(`    expectDeclared(reply, responses, ${q(declared)});`);
    if (op.operationId.startsWith('create') || op.responses['201']) {
      lines.push(`    assert.equal(reply.status, 201);`);
      lines.push(
        `    assert.ok(reply.location && reply.location.endsWith(String((reply.body as Record<string, unknown>).id)), 'Location header names the new resource');`,
      );
    } else if (success.length === 1 && !op.responses['409'] && op.rules.length === 0) {
      lines.push(`    assert.equal(reply.status, ${success[0]});`);
    } else {
      // A refusal the document names: a conflict, or a rule of the vision ("cannot approve their own").
      const refusals = [...new Set(['409', ...op.rules.map((rule) => String(rule.status))])];
      lines.push(`    assert.ok(${q([...success, ...refusals])}.includes(String(reply.status)));`);
    }
    lines.push('  });');
    if (op.path.includes('{id}') && op.responses['404']) {
      lines.push('');
      lines.push(`  test(${q(`${op.operationId}: an unknown id answers 404 problem+json`)}, async () => {`);
      const missingPath = `${q(op.path.split('{id}')[0])} + missingId + ${q(op.path.split('{id}')[1])}`;
      lines.push(
        `    const reply = await send(${q(op.method)}, ${missingPath}${body ? `, unique(${body})` : ''});`,
      );
      lines.push(`    assert.equal(reply.status, 404);`);
      lines.push(`    assert.ok(reply.type.startsWith('application/problem+json'));`);
      lines.push(
        `    assert.deepEqual(shapeErrors(${q(schemas['404'])} as unknown as Schema, reply.body), []);`,
      );
      lines.push('  });');
    }
    if (
      op.requestSchema &&
      op.responses['400'] &&
      ((op.requestSchema.required as string[] | undefined) ?? []).length > 0
    ) {
      lines.push('');
      lines.push(
        `  test(${q(`${op.operationId}: a body without required fields answers 400 with the field list`)}, async () => {`,
      );
      lines.push(`    const reply = await send(${q(op.method)}, ${q(op.path)}, {});`);
      lines.push(`    assert.equal(reply.status, 400);`);
      lines.push(
        `    const fields = ((reply.body as { errors?: Array<{ field: string }> }).errors ?? []).map((e) => e.field).sort();`,
      );
      lines.push(
        `    assert.deepEqual(fields, ${q([...((op.requestSchema.required as string[]) ?? [])].sort())});`,
      );
      lines.push('  });');
    }
  }
  lines.push('});');
  return lines.join('\n') + '\n';
}
