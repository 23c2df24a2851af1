import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/**
 * Checks of the architecture documents with maintained validators: @readme/openapi-parser for OpenAPI 3.1,
 * @asyncapi/parser for AsyncAPI, ajv (2020-12 dialect) for JSON Schemas. Both parsers ship CommonJS builds,
 * and they are loaded on first use because each takes about a second to load.
 */

type OpenApiParser = typeof import('@readme/openapi-parser');
type AsyncApiParserModule = typeof import('@asyncapi/parser');

let openApiParser: OpenApiParser | undefined;
let asyncApiParser: InstanceType<AsyncApiParserModule['Parser']> | undefined;

/** Every `$ref` of a document that points outside it (a file or a URL), with where it is. */
function externalRefs(value: unknown, at = '#'): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => externalRefs(item, `${at}/${index}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, item]) =>
    key === '$ref' && typeof item === 'string' && !item.startsWith('#')
      ? [
          `${at}: $ref '${item.slice(0, 200)}' points outside the document; a document must hold what it refers to`,
        ]
      : externalRefs(item, `${at}/${key}`),
  );
}

/**
 * Problems found in an OpenAPI document (empty when it is valid). Documents may come from people: a `$ref` to a
 * file or a URL is a problem, never followed (the factory would read its own files or call other hosts).
 */
export async function openApiProblems(document: unknown): Promise<string[]> {
  const external = externalRefs(document);
  if (external.length) return external.slice(0, 10);
  openApiParser ??= require('@readme/openapi-parser') as OpenApiParser;
  try {
    // The validator dereferences in place; a copy keeps the caller's document intact.
    const result = await openApiParser.validate(
      structuredClone(document) as Parameters<OpenApiParser['validate']>[0],
      { resolve: { external: false, file: false }, timeoutMs: 10_000 },
    );
    if (result.valid) return [];
    return result.errors.map((error) => error.message.trim());
  } catch (error) {
    // A reference that resolves to nothing, a cycle the validator refuses: the document's problem, not ours.
    return [`the document cannot be read as OpenAPI: ${(error as Error).message.split('\n')[0]}`];
  }
}

/** AsyncAPI diagnostics of severity error (empty when the document parses cleanly). */
export async function asyncApiProblems(document: unknown): Promise<string[]> {
  if (!asyncApiParser) {
    const { Parser } = require('@asyncapi/parser') as AsyncApiParserModule;
    // The recommended ruleset only adds warnings and hints (contact, license, ids); the gate judges errors.
    asyncApiParser = new Parser({ ruleset: { recommended: false } });
  }
  // The same rule as for OpenAPI: a model's answer may carry a reference the parser would follow.
  let external: string[];
  try {
    external = externalRefs(typeof document === 'string' ? JSON.parse(document) : document);
  } catch {
    // YAML (or broken JSON): a reference is a `$ref:` whose value does not start with '#'.
    external = [...String(document).matchAll(/\$ref['"]?\s*:\s*['"]?([^\s'"#][^\s'"]*)/g)].map(
      (m) =>
        `$ref '${m[1].slice(0, 200)}' points outside the document; a document must hold what it refers to`,
    );
  }
  if (external.length) return external.slice(0, 10);
  const source = typeof document === 'string' ? document : JSON.stringify(document);
  const { document: parsed, diagnostics } = await asyncApiParser.parse(source);
  // Severity 0 is an error in the Spectral scale the parser uses (1 warning, 2 information, 3 hint).
  const errors = diagnostics
    .filter((d) => d.severity === 0)
    .map((d) => `${d.path.length ? `${d.path.join('.')}: ` : ''}${d.message}`);
  if (!parsed && errors.length === 0) errors.push('the document could not be parsed');
  return errors;
}

/** Compiles a JSON Schema with the 2020-12 dialect in strict mode; returns the compile error, if any. */
export function jsonSchemaProblems(schema: unknown): string[] {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats(ajv);
  try {
    ajv.compile(schema as object);
    return [];
  } catch (error) {
    return [(error as Error).message];
  }
}
