import { createHash } from 'node:crypto';
import { z } from 'zod';

type Json = Record<string, unknown>;

/** The `response_format` sent for an agent, and what was given up to send it. */
export interface ResponseFormat {
  name: string;
  strict: boolean;
  schema: Json;
  /** Why strict mode could not be used (empty when strict). */
  notStrict: string[];
  /** The agent's schema as zod describes it, used to undo the nullable stand-ins for optional properties. */
  original: Json;
  sha256: string;
}

// Keywords Azure OpenAI structured outputs do not accept (API 2024-10-21). The zod schema still enforces
// them after the call, and they are kept as words in the description so the model knows them.
const unsupported: Record<string, (value: unknown) => string> = {
  minLength: (v) => `at least ${v} characters`,
  maxLength: (v) => `at most ${v} characters`,
  pattern: (v) => `matches /${v}/`,
  format: (v) => `format ${v}`,
  minimum: (v) => `>= ${v}`,
  maximum: (v) => `<= ${v}`,
  exclusiveMinimum: (v) => `> ${v}`,
  exclusiveMaximum: (v) => `< ${v}`,
  multipleOf: (v) => `a multiple of ${v}`,
  minItems: (v) => `at least ${v} item(s)`,
  maxItems: (v) => `at most ${v} item(s)`,
  uniqueItems: () => 'items unique',
  minProperties: (v) => `at least ${v} propert(ies)`,
  maxProperties: (v) => `at most ${v} propert(ies)`,
  default: (v) => `default ${JSON.stringify(v)}`,
};
// Limits published for strict schemas; larger schemas are sent non-strict.
const maxStrictProperties = 5000;
const maxStrictDepth = 10;
// Number bounds zod adds for every integer: noise, not a constraint worth a word.
const safeInteger = 9007199254740991;

/**
 * Builds the structured-output format for an agent's zod output schema. Strict mode needs every property
 * required and `additionalProperties: false`; optional properties become required-but-nullable (and the nulls
 * are removed again before validation). Records (free-form keys), `{}` (any value) and `allOf` cannot be
 * strict: such schemas are sent with `strict: false` and the reasons are reported.
 */
export function responseFormatFor(name: string, schema: z.ZodType): ResponseFormat {
  const original = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete original.$schema;
  const notStrict: string[] = [];
  let properties = 0;
  let depth = 0;

  const convert = (node: unknown, path: string, level: number): Json => {
    if (!node || typeof node !== 'object' || Array.isArray(node)) {
      notStrict.push(`${path || '(root)'}: a schema that accepts any value`);
      return {};
    }
    const source = node as Json;
    const out: Json = {};
    const words: string[] = [];
    for (const [key, value] of Object.entries(source)) {
      if (key in unsupported) {
        if (!((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === safeInteger))
          words.push(unsupported[key](value));
        continue;
      }
      if (key === 'const') out.enum = [value];
      else if (key === 'oneOf') out.anyOf = value;
      else if (key === 'propertyNames') continue;
      else out[key] = value;
    }
    if (Object.keys(out).length === 0 || (Object.keys(out).length === 1 && 'description' in out)) {
      notStrict.push(`${path || '(root)'}: a schema that accepts any value`);
    }
    if ('allOf' in out) notStrict.push(`${path || '(root)'}: allOf`);
    if (Array.isArray(out.anyOf))
      out.anyOf = (out.anyOf as unknown[]).map((branch, i) => convert(branch, `${path}|${i}`, level));
    if (out.items !== undefined) out.items = convert(out.items, `${path}[]`, level + 1);
    if (out.$defs && typeof out.$defs === 'object') {
      out.$defs = Object.fromEntries(
        Object.entries(out.$defs as Json).map(([k, v]) => [k, convert(v, `$defs.${k}`, 1)]),
      );
    }
    if (out.type === 'object' || out.properties) {
      depth = Math.max(depth, level);
      const props = (out.properties ?? {}) as Json;
      const required = new Set((out.required as string[] | undefined) ?? []);
      if (out.additionalProperties !== undefined && out.additionalProperties !== false) {
        notStrict.push(`${path || '(root)'}: a record with free-form keys`);
      } else {
        out.additionalProperties = false;
      }
      const next: Json = {};
      for (const [key, value] of Object.entries(props)) {
        properties++;
        const converted = convert(value, path ? `${path}.${key}` : key, level + 1);
        next[key] = required.has(key) ? converted : nullable(converted);
      }
      out.properties = next;
      out.required = Object.keys(next);
    }
    if (words.length)
      out.description = [out.description, `Constraints: ${words.join(', ')}.`].filter(Boolean).join(' ');
    return out;
  };

  const converted = convert(original, '', 1);
  if (converted.type !== 'object') notStrict.push('(root): the top level is not an object');
  if (properties > maxStrictProperties)
    notStrict.push(`${properties} properties (strict allows ${maxStrictProperties})`);
  if (depth > maxStrictDepth) notStrict.push(`${depth} levels of nesting (strict allows ${maxStrictDepth})`);
  const strict = notStrict.length === 0;
  // Non-strict schemas go out converted too: the model reads the constraints the same way either way.
  const body = converted;
  return {
    name: name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64),
    strict,
    schema: body,
    notStrict,
    original,
    sha256: createHash('sha256').update(JSON.stringify(body)).digest('hex'),
  };
}

function nullable(node: Json): Json {
  if (typeof node.type === 'string' && !node.anyOf && !node.$ref) {
    const out: Json = { ...node, type: [node.type, 'null'] };
    if (Array.isArray(node.enum)) out.enum = [...(node.enum as unknown[]), null];
    return out;
  }
  const { description, ...rest } = node;
  return { ...(description ? { description } : {}), anyOf: [rest, { type: 'null' }] };
}

/**
 * Removes the `null`s a strict schema made the model write for optional properties, walking the data with the
 * agent's original schema, so the zod schema sees `undefined` (absent) where it expects an optional value.
 */
export function dropNullOptionals(data: unknown, original: Json): unknown {
  const defs = (original.$defs ?? {}) as Record<string, Json>;
  const resolve = (node: Json): Json => {
    const ref = node.$ref;
    if (typeof ref === 'string' && ref.startsWith('#/$defs/'))
      return defs[ref.slice('#/$defs/'.length)] ?? node;
    if (ref === '#') return original;
    return node;
  };
  const allowsNull = (node: Json): boolean => {
    const n = resolve(node);
    if (n.type === 'null' || (Array.isArray(n.type) && n.type.includes('null'))) return true;
    if (Array.isArray(n.enum) && n.enum.includes(null)) return true;
    const branches = (n.anyOf ?? n.oneOf) as Json[] | undefined;
    return Array.isArray(branches) && branches.some(allowsNull);
  };
  const walk = (value: unknown, node: Json | undefined): unknown => {
    if (!node || value === null || typeof value !== 'object') return value;
    const n = resolve(node);
    const branches = (n.anyOf ?? n.oneOf) as Json[] | undefined;
    if (Array.isArray(branches)) {
      const kind = Array.isArray(value) ? 'array' : 'object';
      const candidates = branches
        .map(resolve)
        .filter((b) => b.type === kind || (kind === 'object' && b.properties));
      const fit =
        kind === 'object'
          ? candidates.find((b) =>
              ((b.required as string[] | undefined) ?? []).every((key) => key in (value as Json)),
            )
          : candidates[0];
      return walk(value, fit ?? candidates[0]);
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, n.items as Json | undefined));
    const props = (n.properties ?? {}) as Record<string, Json>;
    const required = new Set((n.required as string[] | undefined) ?? []);
    const out: Json = {};
    for (const [key, item] of Object.entries(value as Json)) {
      const child = props[key];
      if (item === null && child && !required.has(key) && !allowsNull(child)) continue;
      const extra = n.additionalProperties;
      out[key] = walk(item, child ?? (extra && typeof extra === 'object' ? (extra as Json) : undefined));
    }
    return out;
  };
  return walk(data, original);
}
