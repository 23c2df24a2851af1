import type { HttpRequest } from '@azure/functions';
import type { z } from 'zod';
import { ProblemError, validationProblem, zodErrors } from './problem';

/** Largest JSON body any endpoint reads (a run request: the vision plus options). */
export const maxJsonBytes = 96 * 1024;

export type BodyKind = 'json' | 'text';

/** The media type of a request without parameters, lower-cased; undefined when absent. */
export function mediaType(request: HttpRequest): string | undefined {
  const header = request.headers.get('content-type');
  if (!header) return undefined;
  return header.split(';')[0].trim().toLowerCase() || undefined;
}

function charsetOf(request: HttpRequest): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(request.headers.get('content-type') ?? '');
  return match?.[1].toLowerCase();
}

const isJson = (type: string) =>
  type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);

/**
 * The body as bytes with its kind, checking the media type (415) and size (413) before anything is parsed.
 * `accept` lists the kinds an endpoint takes; an empty body is `undefined`.
 */
export async function readBody(
  request: HttpRequest,
  accept: { json?: boolean; text?: string[] },
  maxBytes: number,
): Promise<{ kind: BodyKind; text: string } | undefined> {
  const declared = request.headers.get('content-length');
  if (declared && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw new ProblemError('payload-too-large', `the request body is over ${maxBytes} bytes`);
  }
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length === 0) return undefined;
  const type = mediaType(request);
  const kinds = [...(accept.json ? ['application/json'] : []), ...(accept.text ?? [])];
  let kind: BodyKind;
  if (type && accept.json && isJson(type)) kind = 'json';
  else if (type && accept.text?.includes(type)) kind = 'text';
  else {
    throw new ProblemError(
      'unsupported-media-type',
      `${type ? `content type ${type} is` : 'a body without a content type is'} not accepted here; send ${kinds.join(' or ')}`,
      {
        headers: { 'accept-post': kinds.join(', ') },
      },
    );
  }
  const charset = charsetOf(request);
  if (charset && charset !== 'utf-8' && charset !== 'utf8' && charset !== 'us-ascii') {
    throw new ProblemError('unsupported-media-type', `charset ${charset} is not accepted; send UTF-8`);
  }
  if (bytes.length > maxBytes)
    throw new ProblemError('payload-too-large', `the request body is over ${maxBytes} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw validationProblem([{ field: '(body)', message: 'the body is not valid UTF-8' }]);
  }
  return { kind, text };
}

/** Parses JSON text, answering 400 with the parser's complaint. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw validationProblem([{ field: '(body)', message: `invalid JSON: ${(error as Error).message}` }]);
  }
}

/** Validates a value against a schema, answering 400 with every failing field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationProblem(zodErrors(parsed.error));
  return parsed.data;
}

/** A JSON body validated by a schema; an absent body is validated as `{}` when `optional`. */
export async function readJson<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
  options: { optional?: boolean; maxBytes?: number } = {},
): Promise<z.output<S>> {
  const body = await readBody(request, { json: true }, options.maxBytes ?? 16 * 1024);
  if (!body) {
    if (options.optional) return validate(schema, {});
    throw validationProblem([{ field: '(body)', message: 'a JSON body is required' }]);
  }
  return validate(schema, parseJson(body.text));
}
