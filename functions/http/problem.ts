import type { HttpResponseInit } from '@azure/functions';
import type { ZodError } from 'zod';

/** One failing field of a request (`options.iterations`, `vision`, `(body)`). */
export interface FieldError {
  field: string;
  message: string;
}

/** Problem types: `urn:software-factory:problem:<slug>`; docs/api.md lists them. */
export const problemTypes = {
  validation: { status: 400, title: 'Invalid request' },
  'invalid-artifact-path': { status: 400, title: 'Invalid artifact path' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'Forbidden' },
  'not-found': { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  'gate-not-waiting': { status: 409, title: 'Gate not waiting for approval' },
  'payload-too-large': { status: 413, title: 'Payload too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported media type' },
  'too-many-requests': { status: 429, title: 'Too many requests' },
  'artifact-corrupt': { status: 500, title: 'Artifact failed its integrity check' },
  'server-configuration': { status: 500, title: 'Server misconfigured' },
  internal: { status: 500, title: 'Internal server error' },
} as const;

export type ProblemSlug = keyof typeof problemTypes;

/** What a caller learns of a server configuration error: where to look, not what is wrong. */
export const serverConfigurationDetail =
  'the server cannot answer requests until its settings are fixed; the log has the details';

export const problemTypeUri = (slug: ProblemSlug) => `urn:software-factory:problem:${slug}`;

/** An error that is already the answer: thrown by handlers, turned into problem+json by `handle()`. */
export class ProblemError extends Error {
  override name = 'ProblemError';
  readonly status: number;

  constructor(
    readonly slug: ProblemSlug,
    detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.status = problemTypes[slug].status;
  }
}

export const validationProblem = (errors: FieldError[], detail?: string) =>
  new ProblemError('validation', detail ?? errors.map((e) => `${e.field}: ${e.message}`).join('; '), {
    errors,
  });

/** Every failing field of a schema check; unknown fields are named one by one. */
export function zodErrors(error: ZodError): FieldError[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ field: base ? `${base}.${key}` : key, message: 'unknown field' }));
    }
    return [{ field: base || '(body)', message: issue.message }];
  });
}

/** RFC 9457 body and headers for a problem. */
export function problemResponse(
  slug: ProblemSlug,
  detail: string,
  meta: { instance: string; correlationId: string; errors?: FieldError[]; headers?: Record<string, string> },
): HttpResponseInit {
  const { status, title } = problemTypes[slug];
  return {
    status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'x-correlation-id': meta.correlationId,
      ...meta.headers,
    },
    body: JSON.stringify({
      type: problemTypeUri(slug),
      title,
      status,
      detail,
      instance: meta.instance,
      correlationId: meta.correlationId,
      ...(meta.errors ? { errors: meta.errors } : {}),
    }),
  };
}
