import fc from 'fast-check';
import { nodeAt, operationsOf, type OperationSpec } from './openApiOperations';

type Json = Record<string, unknown>;

/** One request the conformance driver sends; the validators, not the generator, decide whether it is valid. */
export interface GeneratedRequest {
  method: string;
  /** The path, with `{id}` where the driver puts an id it holds for `idFrom`, or the given literal id. */
  path: string;
  /** The collection whose created records give the id; without one, `id` is used as it is. */
  idFrom?: string;
  id?: string;
  query?: string;
  contentType?: string;
  body?: string;
  /** The collection a 201 answer adds a record to. */
  creates?: string;
  /** How the generator built the request, for reports. */
  intent: string;
}

const missingId = '00000000-0000-4000-8000-00000000dead';

/** The schema at a pointer with its `$ref`s replaced, so generators see plain schemas. */
function resolved(doc: Json, node: unknown, depth = 0): Json {
  if (!node || typeof node !== 'object' || depth > 20) return {};
  const ref = (node as Json).$ref;
  const base = typeof ref === 'string' ? resolved(doc, nodeAt(doc, ref), depth + 1) : (node as Json);
  return Object.fromEntries(
    Object.entries(base).map(([key, value]) => [
      key,
      key === 'properties'
        ? Object.fromEntries(
            Object.entries(value as Json).map(([name, s]) => [name, resolved(doc, s, depth + 1)]),
          )
        : key === 'items'
          ? resolved(doc, value, depth + 1)
          : value,
    ]),
  );
}

const typeOf = (schema: Json): string | undefined =>
  Array.isArray(schema.type)
    ? (schema.type.find((t) => t !== 'null') as string | undefined)
    : (schema.type as string | undefined);

/** Values the schema allows, across its whole range: any Unicode text, edge numbers, every enum value. */
export function validValue(schema: Json): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  switch (typeOf(schema)) {
    case 'object':
      return validObject(schema);
    case 'array':
      return fc.array(validValue((schema.items as Json) ?? {}), { maxLength: 3 });
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min =
        num('minimum') ?? (num('exclusiveMinimum') !== undefined ? num('exclusiveMinimum')! + 1 : -1_000_000);
      const max =
        num('maximum') ?? (num('exclusiveMaximum') !== undefined ? num('exclusiveMaximum')! - 1 : 1_000_000);
      return fc.integer({ min: Math.ceil(min), max: Math.floor(max) });
    }
    case 'number':
      return fc.double({
        min: num('minimum') ?? -1_000_000,
        max: num('maximum') ?? 1_000_000,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'string':
      return validString(schema);
    default:
      return fc.constant(null);
  }
}

function validString(schema: Json): fc.Arbitrary<string> {
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : 60;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const dates = fc.date({
    min: new Date('1900-01-01T00:00:00Z'),
    max: new Date('2199-12-31T23:59:59Z'),
    noInvalidDate: true,
  });
  switch (schema.format) {
    case 'date':
      return dates.map((d) => d.toISOString().slice(0, 10));
    case 'date-time':
      return dates.map((d) => d.toISOString());
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc
        .tuple(
          fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}[a-z0-9]$/),
          fc.stringMatching(/^[a-z][a-z0-9-]{0,12}[a-z0-9]$/),
          fc.constantFrom('org', 'com', 'net', 'example'),
        )
        .map(([local, domain, top]) => `${local.replace(/\.\.+/g, '.')}@${domain}.${top}`)
        .filter((email) => [...email].length <= maxLength && !/[._-]@|\.[._-]|[._-]\./.test(email));
  }
  const fits = (s: string) => [...s].length >= minLength && [...s].length <= maxLength;
  // Code points of the whole Unicode range, short and at the very limit: lengths in the contract count code
  // points, not UTF-16 units, and a service that counts the other way refuses long texts with emoji.
  const text = fc.oneof(
    fc.string({ unit: codePoint, minLength, maxLength: Math.min(maxLength, 80) }),
    fc.string({ unit: codePoint, minLength: maxLength, maxLength }),
  );
  if (typeof schema.pattern !== 'string') return text;
  const pattern = new RegExp(schema.pattern, 'u');
  // A loose pattern (such as "not blank") is met by most texts; a strict one is generated from the pattern.
  if (looseProbe.filter((s) => pattern.test(s)).length < looseProbe.length / 2)
    return fc.stringMatching(pattern).filter(fits);
  // Filtering alone is slow when short texts rarely match (blank ones); a letter in front makes most of them match.
  return text
    .map((s) => (pattern.test(s) ? s : [...`a${s}`].slice(0, Math.max(maxLength, 1)).join('')))
    .filter((s) => pattern.test(s) && fits(s));
}

/**
 * Any Unicode scalar value, common ones more often. fast-check's own full-Unicode unit builds a table of every
 * code point on first use (seconds of blocked event loop); this one costs nothing to build.
 */
const codePoint = fc
  .oneof(
    { weight: 3, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 2, arbitrary: fc.integer({ min: 0xa0, max: 0xd7ff }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
    { weight: 2, arbitrary: fc.integer({ min: 0xe000, max: 0x10ffff }) },
  )
  .map((code) => String.fromCodePoint(code));

/** Texts of different shapes: a pattern most of them match is loose. */
const looseProbe = ['a', 'Zoë 12', ' x ', '🙂', 'a-b_c', 'hello world', '42', 'x\ny'];

function validObject(schema: Json): fc.Arbitrary<Json> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Json>).filter(
    ([, s]) => !s.readOnly,
  );
  const required = ((schema.required as string[] | undefined) ?? []).filter((name) =>
    properties.some(([p]) => p === name),
  );
  return fc.record(Object.fromEntries(properties.map(([name, s]) => [name, validValue(s)])), {
    requiredKeys: required,
  }) as fc.Arbitrary<Json>;
}

/** Ways to break one property of a valid body, each a value its schema refuses. */
function brokenValues(schema: Json): Array<{ value: unknown; why: string }> {
  const out: Array<{ value: unknown; why: string }> = [];
  const type = typeOf(schema);
  out.push(
    type === 'string'
      ? { value: 42, why: 'a number where text is expected' }
      : { value: 'not a value', why: `text where ${type ?? 'a value'} is expected` },
  );
  if (Array.isArray(schema.enum))
    out.push({ value: 'not-one-of-them', why: 'a value outside the enumeration' });
  if (typeof schema.maxLength === 'number')
    out.push({ value: 'x'.repeat(schema.maxLength + 1), why: 'one character over maxLength' });
  if (schema.format === 'date')
    out.push(
      { value: '2026-02-30', why: 'a date that does not exist' },
      { value: '30/01/2026', why: 'a date not in ISO form' },
    );
  if (schema.format === 'date-time')
    out.push({ value: '2026-01-01 25:00', why: 'a date-time not in RFC 3339 form' });
  if (schema.format === 'email') out.push({ value: 'not-an-email', why: 'an address without @' });
  if (schema.format === 'uuid') out.push({ value: 'not-a-uuid', why: 'an id that is not a uuid' });
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern, 'u');
    for (const value of ['12.345', 'abc', '   ', ''].filter((v) => !pattern.test(v)).slice(0, 2))
      out.push({ value, why: `text the pattern ${schema.pattern} refuses` });
  }
  if (type === 'integer') out.push({ value: 1.5, why: 'a fraction where an integer is expected' });
  if (typeof schema.minimum === 'number') out.push({ value: schema.minimum - 1, why: 'below the minimum' });
  if (typeof schema.maximum === 'number') out.push({ value: schema.maximum + 1, why: 'above the maximum' });
  if (type === 'boolean') out.push({ value: 'yes', why: 'text where a boolean is expected' });
  return out.filter((b) => !(Array.isArray(schema.enum) && schema.enum.includes(b.value)));
}

/** Bodies the schema refuses: a required property missing, a property of the wrong kind, unknown properties. */
function invalidBody(schema: Json): fc.Arbitrary<{ body: unknown; why: string }> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, Json>).filter(
    ([, s]) => !s.readOnly,
  );
  const required = (schema.required as string[] | undefined) ?? [];
  const breaks: Array<(body: Json) => { body: unknown; why: string }> = [];
  for (const name of required)
    breaks.push((body) => {
      const copy = { ...body };
      delete copy[name];
      return { body: copy, why: `required ${name} missing` };
    });
  for (const [name, s] of properties)
    for (const broken of brokenValues(s))
      breaks.push((body) => ({ body: { ...body, [name]: broken.value }, why: `${name}: ${broken.why}` }));
  if (schema.additionalProperties === false)
    breaks.push((body) => ({
      body: { ...body, notInTheContract: true },
      why: 'a property the contract does not declare',
    }));
  breaks.push(() => ({ body: [], why: 'an array where an object is expected' }));
  return fc
    .tuple(validObject(schema), fc.nat({ max: breaks.length - 1 }))
    .map(([body, index]) => breaks[index](body));
}

function sample<T>(arbitrary: fc.Arbitrary<T>, count: number, seed: number): T[] {
  return count > 0 ? fc.sample(arbitrary, { numRuns: count, seed }) : [];
}

function collectionOf(operation: OperationSpec): string {
  return operation.path.replace(/\/\{[^}]+\}.*$/, '');
}

/** Requests for one operation: `valid` from the schemas, `invalid` each breaking one thing. */
function requestsFor(
  doc: Json,
  operation: OperationSpec,
  valid: number,
  invalid: number,
  seed: number,
): GeneratedRequest[] {
  const out: GeneratedRequest[] = [];
  const hasId = operation.path.includes('{');
  const collection = collectionOf(operation);
  const base = { method: operation.method, path: operation.path };
  const ids = (index: number): Pick<GeneratedRequest, 'idFrom' | 'id'> =>
    // Most requests use a record the driver created; every fourth a well-formed id that names nothing.
    !hasId ? {} : index % 4 === 3 ? { id: missingId } : { idFrom: collection };
  const query = operation.parameters.filter((p) => p.in === 'query');
  const queryText = (values: Record<string, unknown>) =>
    new URLSearchParams(
      Object.entries(values)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]): [string, string] => [k, String(v)]),
    ).toString() || undefined;
  const queryArbitrary = fc.record(
    Object.fromEntries(query.map((p) => [p.name, validValue(resolved(doc, nodeAt(doc, p.schema)))])),
    { requiredKeys: query.filter((p) => p.required).map((p) => p.name) },
  ) as fc.Arbitrary<Record<string, unknown>>;
  const bodySchema = operation.requestBody?.content['application/json'];
  const schema = bodySchema ? resolved(doc, nodeAt(doc, bodySchema)) : undefined;
  const creates = operation.method === 'POST' && !hasId ? { creates: collection } : {};
  if (schema) {
    sample(validValue(schema), valid, seed).forEach((body, i) =>
      out.push({
        ...base,
        ...ids(i),
        ...creates,
        contentType: 'application/json',
        body: JSON.stringify(body),
        intent: 'a body the schema allows',
      }),
    );
    const wrongForm = [
      { contentType: 'application/json', body: '{"broken": ', why: 'malformed JSON' },
      { contentType: 'text/plain', body: 'name=x', why: 'a media type the operation does not take' },
    ];
    sample(invalidBody(schema), Math.max(0, invalid - wrongForm.length), seed + 1).forEach((broken, i) =>
      out.push({
        ...base,
        ...ids(i),
        contentType: 'application/json',
        body: JSON.stringify(broken.body),
        intent: broken.why,
      }),
    );
    wrongForm
      .slice(0, invalid)
      .forEach((w, i) =>
        out.push({ ...base, ...ids(i), contentType: w.contentType, body: w.body, intent: w.why }),
      );
  } else {
    sample(queryArbitrary, valid, seed).forEach((values, i) =>
      out.push({
        ...base,
        ...ids(i),
        query: queryText(values),
        intent: query.length ? 'parameters the schemas allow' : 'a record that exists or a well-formed id',
      }),
    );
    const breakers: Array<() => { request: Partial<GeneratedRequest>; why: string }> = [];
    for (const p of query)
      for (const broken of brokenValues(resolved(doc, nodeAt(doc, p.schema))))
        breakers.push(() => ({
          request: { query: queryText({ [p.name]: broken.value }) },
          why: `${p.name}: ${broken.why}`,
        }));
    if (hasId)
      breakers.push(
        () => ({ request: { id: 'not-a-uuid' }, why: 'an id that is not a uuid' }),
        () => ({ request: { id: '12345' }, why: 'an id that is not a uuid' }),
      );
    if (breakers.length)
      sample(fc.nat({ max: breakers.length - 1 }), invalid, seed + 1).forEach((index) => {
        const broken = breakers[index]();
        out.push({ ...base, ...broken.request, intent: broken.why });
      });
  }
  return out;
}

/**
 * At least `minimum` requests for a service from its OpenAPI document, valid and invalid ones, in an order that
 * lets items exist before they are read: creations first, then reads, changes and commands, then deletions.
 * Deterministic for a seed, so a finding can be reproduced.
 */
export function generateRequests(doc: Json, minimum = 200, seed = 20260101): GeneratedRequest[] {
  const operations = operationsOf(doc);
  if (operations.length === 0) return [];
  const perOperation = Math.ceil(minimum / operations.length);
  const rank = (o: OperationSpec) =>
    o.method === 'POST' && !o.path.includes('{') ? 0 : o.method === 'DELETE' ? 2 : 1;
  return [...operations]
    .sort((a, b) => rank(a) - rank(b))
    .flatMap((operation, index) => {
      const invalid =
        operation.requestBody || operation.parameters.length ? Math.floor(perOperation * 0.4) : 0;
      return requestsFor(doc, operation, perOperation - invalid, invalid, seed + index * 7);
    });
}
