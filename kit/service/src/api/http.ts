import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldError } from '../domain/errors';
import type { PageQuery } from '../application/dto';

/** An error that already knows its HTTP status (RFC 9457 problem details). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
    this.name = 'HttpError';
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  res.writeHead(status, headers);
  res.end();
}

export function sendProblem(
  res: ServerResponse,
  status: number,
  title: string,
  detail: string,
  errors?: FieldError[],
  extensions: Record<string, unknown> = {},
): void {
  const body = { type: 'about:blank', title, status, detail, ...(errors ? { errors } : {}), ...extensions };
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/problem+json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** Reads a JSON body: 415 for another media type, 413 past the size limit, 400 for malformed JSON. */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json' && !type.endsWith('+json')) {
    throw new HttpError(415, 'Unsupported Media Type', 'the request body must be application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes)
      throw new HttpError(413, 'Content Too Large', 'the request body exceeds ' + maxBytes + ' bytes');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'Bad Request', 'the request body is not valid JSON');
  }
}

function integerParam(
  url: URL,
  name: string,
  fallback: number,
  min: number,
  max: number,
  errors: FieldError[],
): number {
  const raw = url.searchParams.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    errors.push({ field: name, message: 'must be an integer between ' + min + ' and ' + max });
    return fallback;
  }
  return value;
}

/** `limit` 1..100 (default 20) and `offset` >= 0 (default 0). */
export function parsePaging(url: URL): PageQuery {
  const errors: FieldError[] = [];
  const limit = integerParam(url, 'limit', 20, 1, 100, errors);
  const offset = integerParam(url, 'offset', 0, 0, Number.MAX_SAFE_INTEGER, errors);
  if (errors.length > 0) throw new HttpError(400, 'Bad Request', 'invalid query parameters', errors);
  return { limit, offset };
}
