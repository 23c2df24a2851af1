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

/** Problems found in an OpenAPI document (empty when it is valid). */
export async function openApiProblems(document: unknown): Promise<string[]> {
  openApiParser ??= require('@readme/openapi-parser') as OpenApiParser;
  // The validator dereferences in place; a copy keeps the caller's document intact.
  const result = await openApiParser.validate(
    structuredClone(document) as Parameters<OpenApiParser['validate']>[0],
  );
  if (result.valid) return [];
  return result.errors.map((error) => error.message.trim());
}

/** AsyncAPI diagnostics of severity error (empty when the document parses cleanly). */
export async function asyncApiProblems(document: unknown): Promise<string[]> {
  if (!asyncApiParser) {
    const { Parser } = require('@asyncapi/parser') as AsyncApiParserModule;
    // The recommended ruleset only adds warnings and hints (contact, license, ids); the gate judges errors.
    asyncApiParser = new Parser({ ruleset: { recommended: false } });
  }
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
