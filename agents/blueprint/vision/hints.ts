import type { Attribute } from '../../../toolchain/schemas/domainModel';
import { attributeTypes } from '../../../toolchain/schemas/domainModel';
import { camelCase, entityNameOf, snakeCase } from '../../../toolchain/vision/language';
import { typeOfField } from './vocabulary';

/**
 * Structured hints from a vision's YAML front matter. Every key is optional; what is given is used over
 * inference. Accepted shapes are deliberately loose (a list of names, or a map of name to details) because
 * people write front matter by hand.
 */
export interface AttributeHint {
  name: string;
  type: Attribute['type'];
  required: boolean;
  enumValues?: string[];
  description?: string;
}

export interface EntityHint {
  name: string;
  description?: string;
  attributes: AttributeHint[];
  states?: string[];
  /** Entities each record belongs to (`belongsTo: [Room, Employee]`). */
  references?: string[];
}

/** An entity name as written in front matter: `study room`, `study rooms` and `StudyRoom` all give StudyRoom. */
const hintedName = (name: string) => entityNameOf(name.replace(/([a-z0-9])([A-Z])/g, '$1 $2'));

export interface Hints {
  title?: string;
  problem?: string;
  actors?: Array<{ name: string; description?: string }>;
  entities?: EntityHint[];
  metrics?: Array<{ name: string; target: string }>;
  goals?: string[];
  outOfScope?: string[];
  keys: string[];
}

const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim()
    ? value.trim()
    : typeof value === 'number'
      ? String(value)
      : undefined;

function attributeHint(name: string, spec: unknown): AttributeHint {
  const attrName = camelCase(name);
  let declared: string | undefined;
  let required = false;
  let enumValues: string[] | undefined;
  let description: string | undefined;
  if (typeof spec === 'string') declared = spec;
  else if (Array.isArray(spec)) enumValues = spec.map((v) => snakeCase(String(v)));
  else if (spec && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    declared = asString(o.type);
    required = o.required === true;
    description = asString(o.description);
    const values = o.values ?? o.enum ?? o.enumValues;
    if (Array.isArray(values)) enumValues = values.map((v) => snakeCase(String(v)));
  }
  // `type: date, required` and `string!` are both common shorthands for required.
  if (declared && /!$|\brequired\b/.test(declared)) {
    required = true;
    declared = declared
      .replace(/!$/, '')
      .replace(/,?\s*required\b/, '')
      .trim();
  }
  const enumInline = declared
    ? (/^enum\s*\(([^)]*)\)$/.exec(declared) ?? /^\(([^)]*)\)$/.exec(declared))
    : null;
  if (enumInline) {
    enumValues = enumInline[1]
      .split(/[,|]/)
      .map((v) => snakeCase(v.trim()))
      .filter(Boolean);
    declared = 'enum';
  }
  const type = (attributeTypes as readonly string[]).includes(declared ?? '')
    ? (declared as Attribute['type'])
    : enumValues
      ? 'enum'
      : typeOfField(name);
  return { name: attrName, type: enumValues && !declared ? 'enum' : type, required, enumValues, description };
}

function attributesOf(value: unknown): AttributeHint[] {
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (typeof item === 'string') {
        const [name, type] = item.split(':').map((s) => s.trim());
        return [attributeHint(name, type)];
      }
      if (item && typeof item === 'object') {
        const o = item as Record<string, unknown>;
        if (typeof o.name === 'string') return [attributeHint(o.name, o)];
        return Object.entries(o).map(([k, v]) => attributeHint(k, v));
      }
      return [];
    });
  }
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).map(([k, v]) => attributeHint(k, v));
  return [];
}

/** Lifecycle states as written: each once, and only those with a letter or digit (`""`, `{}` name no state). */
function stateNames(values: string[]): string[] {
  return [...new Set(values.filter((v) => /[A-Za-z0-9]/.test(v)).map(snakeCase))];
}

function entityHint(name: string, spec: unknown): EntityHint {
  const hint: EntityHint = { name: hintedName(name), attributes: [] };
  if (Array.isArray(spec)) hint.attributes = attributesOf(spec);
  else if (spec && typeof spec === 'object') {
    const o = spec as Record<string, unknown>;
    hint.description = asString(o.description);
    hint.attributes = attributesOf(o.attributes ?? o.fields ?? {});
    const states = o.states ?? o.lifecycle;
    const named = stateNames(
      Array.isArray(states)
        ? states.map(String)
        : typeof states === 'string'
          ? states.split(/\s*(?:->|→|,|=>)\s*/)
          : [],
    );
    if (named.length > 0) hint.states = named;
    const owners = o.belongsTo ?? o.references;
    const references = (Array.isArray(owners) ? owners : typeof owners === 'string' ? owners.split(',') : [])
      .map((owner) => hintedName(String(owner).trim()))
      .filter(Boolean);
    if (references.length > 0) hint.references = references;
  }
  return hint;
}

function listOf<T>(value: unknown, map: (name: string, spec: unknown) => T): T[] | undefined {
  // A blank name (`"": x`, `- ""`) names nothing; it is left out rather than becoming an empty name.
  const named = (name: string, spec: unknown): T[] => (name.trim() ? [map(name.trim(), spec)] : []);
  if (Array.isArray(value)) {
    return value.flatMap((item) => {
      if (typeof item === 'string') return named(item, undefined);
      if (item && typeof item === 'object') {
        const o = item as Record<string, unknown>;
        if (typeof o.name === 'string') return named(o.name, o);
        return Object.entries(o).flatMap(([k, v]) => named(k, v));
      }
      return [];
    });
  }
  if (value && typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => named(k, v));
  return undefined;
}

export function readHints(frontMatter: Record<string, unknown>): Hints {
  const hints: Hints = { keys: [] };
  const use = (key: string) => hints.keys.push(key);
  if (asString(frontMatter.title)) {
    hints.title = asString(frontMatter.title);
    use('title');
  }
  if (asString(frontMatter.problem)) {
    hints.problem = asString(frontMatter.problem);
    use('problem');
  }
  const actors = listOf(frontMatter.actors ?? frontMatter.personas, (name, spec) => ({
    name,
    description:
      typeof spec === 'string' ? spec : asString((spec as Record<string, unknown> | undefined)?.description),
  }));
  if (actors && actors.length > 0) {
    hints.actors = actors;
    use(frontMatter.actors ? 'actors' : 'personas');
  }
  const entities = listOf(frontMatter.entities, entityHint);
  if (entities && entities.length > 0) {
    hints.entities = entities;
    use('entities');
  }
  const metrics = listOf(frontMatter.metrics ?? frontMatter.successMetrics, (name, spec) => ({
    name,
    target:
      typeof spec === 'string' || typeof spec === 'number'
        ? String(spec)
        : (asString((spec as Record<string, unknown> | undefined)?.target) ?? ''),
  }));
  if (metrics && metrics.length > 0) {
    hints.metrics = metrics;
    use(frontMatter.metrics ? 'metrics' : 'successMetrics');
  }
  if (Array.isArray(frontMatter.goals)) {
    hints.goals = frontMatter.goals.map(String);
    use('goals');
  }
  const out = frontMatter.outOfScope ?? frontMatter['out-of-scope'];
  if (Array.isArray(out)) {
    hints.outOfScope = out.map(String);
    use('outOfScope');
  }
  return hints;
}
