import { Validator as CfValidator } from '@cfworker/json-schema';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { nodeAt } from './openApiOperations';

/** A standard JSON Schema validator loaded with one OpenAPI document; schemas are addressed by pointers into it. */
export interface ContractValidator {
  readonly name: string;
  /** The validator's messages for `value` against the schema at `pointer`; empty when it conforms. */
  errors(pointer: string, value: unknown): string[];
}

type Json = Record<string, unknown>;

/** Keywords of the OpenAPI 3.1 base dialect's vocabulary that carry no assertion (discriminator is ajv's own). */
const openApiAnnotations = ['example', 'xml', 'externalDocs'];

/** ajv 8 with draft 2020-12, the formats of ajv-formats and the OpenAPI 3.1 dialect's keywords. */
export function ajvValidator(doc: Json): ContractValidator {
  const ajv = new Ajv2020({ strict: false, allErrors: true, discriminator: true, validateSchema: false });
  addFormats(ajv);
  for (const keyword of openApiAnnotations)
    ajv.addKeyword({ keyword, schemaType: ['object', 'array', 'string', 'number', 'boolean', 'null'] });
  const id = 'urn:factory:contract';
  ajv.addSchema(doc, id);
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
  return {
    name: 'ajv (JSON Schema 2020-12, OpenAPI 3.1 dialect)',
    errors(pointer, value) {
      let validate = compiled.get(pointer);
      if (!validate) {
        validate = ajv.compile({ $ref: id + pointer });
        compiled.set(pointer, validate);
      }
      return validate(value)
        ? []
        : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`);
    },
  };
}

function absoluteRefs(node: unknown, base: string): unknown {
  if (Array.isArray(node)) return node.map((item) => absoluteRefs(item, base));
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) => [
      key,
      key === '$ref' && typeof value === 'string' && value.startsWith('#')
        ? base + value
        : absoluteRefs(value, base),
    ]),
  );
}

/** @cfworker/json-schema: an implementation of draft 2020-12 written apart from ajv, formats included. */
export function cfworkerValidator(doc: Json): ContractValidator {
  const id = 'https://contract.factory.invalid/openapi.json';
  const validators = new Map<string, CfValidator>();
  return {
    name: '@cfworker/json-schema (JSON Schema 2020-12)',
    errors(pointer, value) {
      let validator = validators.get(pointer);
      if (!validator) {
        // Its index of the document skips arrays (a parameter's schema), so the schema is taken out of the
        // document with its local references made absolute, and the document is added for them to resolve in.
        const schema = absoluteRefs(nodeAt(doc, pointer), id) as Json;
        validator = new CfValidator({ ...schema, $id: `${id}/check` }, '2020-12', false);
        validator.addSchema(doc as never, id);
        validators.set(pointer, validator);
      }
      const result = validator.validate(value);
      // The leaf errors say what is wrong; the $ref, properties and items entries above them only say where.
      const leaves = result.errors.filter(
        (e) => !['$ref', 'properties', 'items', 'allOf', 'prefixItems'].includes(e.keyword),
      );
      return result.valid
        ? []
        : (leaves.length ? leaves : result.errors).map(
            (e) => `${e.instanceLocation.replace(/^#/, '') || '/'} ${e.error}`,
          );
    },
  };
}
