import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { UnitOfWork } from '../application/ports';
import { ConflictError, NotFoundError, RuleViolation, ValidationError } from '../domain/errors';
import { isUuid } from '../domain/rules';
import { RepositoryUnavailableError } from '../infrastructure/faultyRepository';
import { AuthenticationError, type Authenticate } from './authentication';
import { HttpError, readJsonBody, sendEmpty, sendJson, sendProblem } from './http';
import type { Route } from './route';

export interface ServerOptions {
  /** Checks the bearer token of every route that is not anonymous. */
  authenticate: Authenticate;
  /** Largest accepted request body. */
  maxBodyBytes?: number;
  /** Each request that changes data runs as one unit of work (a transaction on PostgreSQL). */
  unitOfWork?: UnitOfWork;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path.replace(/\{([A-Za-z]+)\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp('^' + source + '$'), names };
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof AuthenticationError) {
    // RFC 6750: the challenge names the error only when credentials were sent.
    res.setHeader('www-authenticate', error.code ? `Bearer error="${error.code}"` : 'Bearer');
    return sendProblem(res, 401, 'Unauthorized', error.message);
  }
  if (error instanceof HttpError)
    return sendProblem(res, error.status, error.title, error.message, error.errors);
  if (error instanceof ValidationError)
    return sendProblem(res, 400, 'Bad Request', error.message, error.errors);
  if (error instanceof NotFoundError) return sendProblem(res, 404, 'Not Found', error.message);
  if (error instanceof ConflictError) return sendProblem(res, 409, 'Conflict', error.message);
  if (error instanceof RuleViolation) {
    const title = { 403: 'Forbidden', 409: 'Conflict', 422: 'Unprocessable Content' }[error.status];
    return sendProblem(res, error.status, title, error.message, undefined, { rule: error.rule.id });
  }
  if (error instanceof RepositoryUnavailableError) {
    return sendProblem(res, 503, 'Service Unavailable', 'the data store is unavailable, retry later');
  }
  // Unknown failures never leak internals to the caller.
  return sendProblem(res, 500, 'Internal Server Error', 'an unexpected error occurred');
}

/** The HTTP adapter of a route table: routing, parameter checks, JSON in and out, problem+json errors. */
export function createHttpServer(table: Route[], options: ServerOptions): Server {
  const routes = table.map(compile);
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const matching = routes
      .map((candidate) => ({ candidate, match: candidate.pattern.exec(url.pathname) }))
      .filter((found) => found.match !== null);
    if (matching.length === 0) return sendProblem(res, 404, 'Not Found', 'no resource at ' + url.pathname);
    const chosen = matching.find((found) => found.candidate.route.method === req.method);
    if (!chosen || !chosen.match) {
      res.setHeader('allow', matching.map((found) => found.candidate.route.method).join(', '));
      return sendProblem(res, 405, 'Method Not Allowed', req.method + ' is not supported on ' + url.pathname);
    }
    const actor = chosen.candidate.route.anonymous
      ? undefined
      : await options.authenticate(req.headers.authorization);
    const params: Record<string, string> = {};
    chosen.candidate.names.forEach((name, index) => {
      params[name] = decodeURIComponent(chosen.match?.[index + 1] ?? '');
    });
    if (params.id !== undefined && !isUuid(params.id)) {
      throw new HttpError(400, 'Bad Request', 'the id must be a uuid', [
        { field: 'id', message: 'must be a uuid' },
      ]);
    }
    // The body is read before the unit of work starts: a slow client never holds a transaction open.
    const json = /^application\/([a-z.+-]*\+)?json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
    const sized =
      Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    const hasBody = req.method !== 'GET' && json && sized;
    const body = hasBody ? await readJsonBody(req, maxBodyBytes) : undefined;
    const read = async () => (hasBody ? body : readJsonBody(req, maxBodyBytes));
    const run = () => chosen.candidate.route.handler({ params, url, actor, body: read });
    const result =
      req.method === 'GET' || !options.unitOfWork ? await run() : await options.unitOfWork.run(run);
    if (result.body === undefined) return sendEmpty(res, result.status, result.headers);
    return sendJson(res, result.status, result.body, result.headers);
  }

  return createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, error);
      else res.destroy();
      // A refused oversized body is not read to the end; closing the connection keeps it from being drained.
      if (error instanceof HttpError && error.status === 413) req.destroy();
    });
  });
}
