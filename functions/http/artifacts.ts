import { app, type HttpResponseInit } from '@azure/functions';
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { z } from 'zod';
import { validateArtifactPath } from '../../platform/artifacts/artifactPath';
import {
  ArtifactCorruptError,
  ArtifactNotFoundError,
  type StoredArtifact,
} from '../../core/ports/artifactStore';
import { ports } from '../../platform/runtime';
import { validate } from './body';
import { handle, type ApiCall } from './handle';
import { ProblemError } from './problem';
import { callersRun, jsonResponse, runUrl } from './runAccess';

/** Up to this size an artifact is read whole and verified before the first byte is sent. */
const verifyBeforeSendBytes = 8 * 1024 * 1024;

export function artifactUrl(origin: string, runId: string, path: string): string {
  return runUrl(origin, runId, `/artifacts/${path.split('/').map(encodeURIComponent).join('/')}`);
}

const invalidPath = (detail: string) =>
  new ProblemError('invalid-artifact-path', detail, { errors: [{ field: 'path', message: detail }] });

/**
 * The `{*path}` route parameter, which arrives percent-decoded. Anything that could reach outside the run
 * is refused: `.`/`..` and empty segments, backslashes, absolute and drive paths, NUL and other control
 * characters, and percent-escapes left after decoding (a double-encoded `%252e%252e` or `%252f`).
 */
export function artifactPathParam(raw: string | undefined): string {
  if (raw === undefined || raw === '') throw invalidPath('an artifact path is required');
  if (raw.length > 1024) throw invalidPath('the artifact path is over 1024 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw))
    throw invalidPath('control characters (including NUL) are not allowed in artifact paths');
  if (/%[0-9a-f]{2}/i.test(raw))
    throw invalidPath('percent-encoded sequences are not allowed after decoding (double encoding)');
  try {
    return validateArtifactPath(raw);
  } catch (error) {
    throw invalidPath((error as Error).message);
  }
}

function describe(origin: string, runId: string, entry: StoredArtifact) {
  return {
    path: entry.path,
    kind: entry.kind,
    phase: entry.phase,
    agent: entry.agent,
    contentType: entry.contentType,
    bytes: entry.bytes,
    sha256: entry.sha256,
    url: artifactUrl(origin, runId, entry.path),
  };
}

const listQuerySchema = z
  .object({
    kind: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'an artifact kind such as vision-text')
      .optional(),
    phase: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'a phase id such as vision-to-architecture')
      .optional(),
  })
  .strict();

/** GET /api/runs/{runId}/artifacts: the run's artifact manifest, optionally one kind or phase. */
export const listArtifactsHandler = handle('Runs.Read', async (call) => {
  const query = validate(listQuerySchema, Object.fromEntries(call.request.query.entries()));
  const doc = await callersRun(call);
  const entries = (await ports().artifacts.list(doc.tenantId, doc.id)).filter(
    (a) => (!query.kind || a.kind === query.kind) && (!query.phase || a.phase === query.phase),
  );
  return jsonResponse(200, {
    runId: doc.id,
    artifacts: entries.map((a) => describe(call.origin, doc.id, a)),
  });
});

/**
 * Passes the bytes through while hashing them, holding the last chunk back until the hash is known: on a
 * mismatch the stream fails before the final bytes, so the response is cut short of its Content-Length and
 * a client cannot mistake it for the artifact.
 */
function verifying(entry: StoredArtifact): Transform {
  const hash = createHash('sha256');
  let held: Buffer | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      const previous = held;
      held = chunk;
      done(null, previous);
    },
    flush(done) {
      const actual = hash.digest('hex');
      if (actual !== entry.sha256) return done(new ArtifactCorruptError(entry.path, entry.sha256, actual));
      done(null, held);
    },
  });
}

const etagOf = (entry: StoredArtifact) => `"${entry.sha256}"`;

function matchesEtag(call: ApiCall, etag: string): boolean {
  const header = call.request.headers.get('if-none-match');
  if (!header) return false;
  return header.trim() === '*' || header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/**
 * GET /api/runs/{runId}/artifacts/{*path}: the artifact's bytes with its content type and `ETag` (its
 * sha256). Artifacts up to 8 MiB are verified against their hash before anything is sent; larger ones are
 * streamed and the response is aborted if the hash does not match at the end.
 */
export const downloadArtifactHandler = handle('Runs.Read', async (call): Promise<HttpResponseInit> => {
  const path = artifactPathParam(call.request.params.path);
  const doc = await callersRun(call);
  const store = ports().artifacts;
  const entry = await store.head(doc.tenantId, doc.id, path);
  if (!entry) throw new ArtifactNotFoundError(path);
  const etag = etagOf(entry);
  const headers: Record<string, string> = {
    etag,
    // Paths are immutable: the same URL always has the same bytes.
    'cache-control': 'private, max-age=86400, immutable',
    'x-artifact-kind': entry.kind,
    'x-content-type-options': 'nosniff',
    // Generated HTML must not run as this API's origin.
    'content-security-policy': "default-src 'none'; sandbox",
    'content-disposition': `inline; filename*=UTF-8''${encodeURIComponent(path.split('/').pop()!)}`,
  };
  if (matchesEtag(call, etag)) return { status: 304, headers };
  headers['content-type'] = entry.contentType || 'application/octet-stream';
  if (entry.bytes <= verifyBeforeSendBytes) {
    const body = await store.get(doc.tenantId, doc.id, path);
    return { status: 200, headers: { ...headers, 'content-length': String(body.length) }, body };
  }
  const { body } = await store.stream(doc.tenantId, doc.id, path);
  const checked = body.pipe(verifying(entry));
  body.on('error', (error) => checked.destroy(error));
  checked.on('error', (error) =>
    call.context.error(`[${call.correlationId}] streaming ${path} of run ${doc.id} failed:`, error),
  );
  return {
    status: 200,
    headers: { ...headers, 'content-length': String(entry.bytes) },
    body: Readable.toWeb(checked) as ReadableStream<Uint8Array>,
  };
});

app.http('apiListArtifacts', {
  route: 'runs/{runId}/artifacts',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: listArtifactsHandler,
});

app.http('apiGetArtifact', {
  route: 'runs/{runId}/artifacts/{*path}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: downloadArtifactHandler,
});
