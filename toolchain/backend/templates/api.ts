import type { ServiceModel } from '../model';
import { tsLiteral } from '../../escaping/tsLiteral';

const q = tsLiteral;

/** The route table: one entry per OpenAPI operation, each with its handler. */
export function routesSource(model: ServiceModel): string {
  const lines: string[] = [];
  lines.push(`import type { ServiceApplication } from '../application/application';`);
  lines.push(`import { parsePaging } from './http';`);
  lines.push('');
  lines.push(
    'export interface RouteRequest {\n  params: Record<string, string>;\n  url: URL;\n  body(): Promise<unknown>;\n}',
  );
  lines.push('');
  lines.push(
    'export interface RouteResponse {\n  status: number;\n  body?: unknown;\n  headers?: Record<string, string>;\n}',
  );
  lines.push('');
  lines.push(
    `export interface Route {\n  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';\n  path: string;\n  operationId: string;\n  handler(request: RouteRequest): Promise<RouteResponse>;\n}`,
  );
  lines.push('');
  lines.push('/** Every operation of the OpenAPI document, by method and path template. */');
  lines.push('export function buildRoutes(app: ServiceApplication): Route[] {');
  lines.push('  return [');
  lines.push(
    `    { method: 'GET', path: '/health', operationId: 'health', handler: async () => ({ status: 200, body: { status: 'ok' } }) },`,
  );
  for (const e of model.entities) {
    const uc = `app.${e.plural}`;
    lines.push(
      `    {\n      method: 'GET',\n      path: ${q(e.collectionPath)},\n      operationId: ${q(`list${e.entity.plural}`)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.list(parsePaging(request.url)) }),\n    },`,
    );
    lines.push(
      `    {\n      method: 'POST',\n      path: ${q(e.collectionPath)},\n      operationId: ${q(`create${e.name}`)},\n      handler: async (request) => {\n        const created = await ${uc}.create(await request.body());\n        return { status: 201, body: created, headers: { location: ${q(e.collectionPath + '/')} + created.id } };\n      },\n    },`,
    );
    lines.push(
      `    {\n      method: 'GET',\n      path: ${q(e.itemPath)},\n      operationId: ${q(`get${e.name}`)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.get(request.params.id) }),\n    },`,
    );
    lines.push(
      `    {\n      method: 'PATCH',\n      path: ${q(e.itemPath)},\n      operationId: ${q(`update${e.name}`)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.update(request.params.id, await request.body()) }),\n    },`,
    );
    lines.push(
      `    {\n      method: 'DELETE',\n      path: ${q(e.itemPath)},\n      operationId: ${q(`delete${e.name}`)},\n      handler: async (request) => {\n        await ${uc}.delete(request.params.id);\n        return { status: 204 };\n      },\n    },`,
    );
    for (const c of e.commands) {
      lines.push(
        `    {\n      method: 'POST',\n      path: ${q(c.path)},\n      operationId: ${q(c.fn)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.${c.fn}(request.params.id) }),\n    },`,
      );
    }
  }
  lines.push('  ];');
  lines.push('}');
  return lines.join('\n') + '\n';
}

export const serverSource = `import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ServiceApplication } from '../application/application';
import type { UnitOfWork } from '../application/ports';
import { ConflictError, NotFoundError, RuleViolation, ValidationError } from '../domain/errors';
import { isUuid } from '../domain/rules';
import { RepositoryUnavailableError } from '../infrastructure/faultyRepository';
import { HttpError, readJsonBody, sendEmpty, sendJson, sendProblem } from './http';
import { buildRoutes, type Route } from './routes';

export interface ServerOptions {
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
  const source = route.path.replace(/\\{([A-Za-z]+)\\}/g, (_match, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp('^' + source + '$'), names };
}

function sendError(res: ServerResponse, error: unknown): void {
  if (error instanceof HttpError) return sendProblem(res, error.status, error.title, error.message, error.errors);
  if (error instanceof ValidationError) return sendProblem(res, 400, 'Bad Request', error.message, error.errors);
  if (error instanceof NotFoundError) return sendProblem(res, 404, 'Not Found', error.message);
  if (error instanceof ConflictError) return sendProblem(res, 409, 'Conflict', error.message);
  if (error instanceof RuleViolation) {
    const title = error.status === 409 ? 'Conflict' : 'Unprocessable Content';
    return sendProblem(res, error.status, title, error.message, undefined, { rule: error.rule.id });
  }
  if (error instanceof RepositoryUnavailableError) {
    return sendProblem(res, 503, 'Service Unavailable', 'the data store is unavailable, retry later');
  }
  // Unknown failures never leak internals to the caller.
  return sendProblem(res, 500, 'Internal Server Error', 'an unexpected error occurred');
}

/** The HTTP adapter: routing, parameter checks, JSON in and out, problem+json errors. */
export function createHttpServer(app: ServiceApplication, options: ServerOptions = {}): Server {
  const routes = buildRoutes(app).map(compile);
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
    const params: Record<string, string> = {};
    chosen.candidate.names.forEach((name, index) => {
      params[name] = decodeURIComponent(chosen.match?.[index + 1] ?? '');
    });
    if (params.id !== undefined && !isUuid(params.id)) {
      throw new HttpError(400, 'Bad Request', 'the id must be a uuid', [{ field: 'id', message: 'must be a uuid' }]);
    }
    // The body is read before the unit of work starts: a slow client never holds a transaction open.
    const json = /^application\\/([a-z.+-]*\\+)?json\\s*(;|$)/i.test(req.headers['content-type'] ?? '');
    const sized = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    const hasBody = req.method !== 'GET' && json && sized;
    const body = hasBody ? await readJsonBody(req, maxBodyBytes) : undefined;
    const read = async () => (hasBody ? body : readJsonBody(req, maxBodyBytes));
    const run = () => chosen.candidate.route.handler({ params, url, body: read });
    const result = req.method === 'GET' || !options.unitOfWork ? await run() : await options.unitOfWork.run(run);
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
`;

export function mainSource(model: ServiceModel): string {
  const imports = model.entities
    .map((e) => `import type { ${e.name} } from './domain/${e.file}';`)
    .join('\n');
  return `import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceApplication, type Repositories, type ServiceApplication } from './application/application';
import type { Repository } from './application/ports';
import { createHttpServer } from './api/server';
${imports}
import { FailingRepository, SlowRepository } from './infrastructure/faultyRepository';
import { InMemoryRepository } from './infrastructure/inMemoryRepository';
import type { Store } from './infrastructure/postgresStore';
import { immediateUnitOfWork, InMemoryEventPublisher, randomIds, systemClock } from './infrastructure/system';

export interface RunningService {
  server: Server;
  port: number;
  app: ServiceApplication;
  stop(): Promise<void>;
}

/**
 * CHAOS_REPOSITORY=slow|failing injects faults for resilience tests; it is read here only, so no other layer
 * knows about it.
 */
function chaos<T extends { id: string }>(store: Repository<T>, env: NodeJS.ProcessEnv): Repository<T> {
  if (env.CHAOS_REPOSITORY === 'failing') return new FailingRepository<T>();
  if (env.CHAOS_REPOSITORY === 'slow') return new SlowRepository<T>(store, Number(env.CHAOS_DELAY_MS ?? 200));
  return store;
}

/** The records of each entity, by repository name. */
type Records = {
${model.entities.map((e) => `  ${e.plural}: ${e.name};`).join('\n')}
};

/**
 * PostgreSQL at DATABASE_URL, or in Azure at PGHOST with the managed identity (its schema written by the
 * migrations in db/${model.slug}/); REPOSITORY=memory chooses the in-memory test double instead, which only tests
 * ask for: a service never falls back to it silently. Either way CHAOS_REPOSITORY may inject faults.
 */
async function openStore(env: NodeJS.ProcessEnv): Promise<Store<Records>> {
  let store: Store<Records>;
  if (env.DATABASE_URL || env.PGHOST) {
    const { openPostgresStore } = await import('./infrastructure/postgresStore');
    const { tables } = await import('./infrastructure/tables');
    store = await openPostgresStore<Records>(env, tables);
  } else if (env.REPOSITORY === 'memory') {
    store = {
      repositories: {
${model.entities.map((e) => `        ${e.plural}: new InMemoryRepository<${e.name}>(),`).join('\n')}
      },
      events: new InMemoryEventPublisher(),
      unitOfWork: immediateUnitOfWork,
      close: async () => {},
    };
  } else {
    throw new Error('neither DATABASE_URL nor PGHOST is set (REPOSITORY=memory runs the in-memory test double instead)');
  }
  const repositories: Repositories = {
${model.entities.map((e) => `    ${e.plural}: chaos(store.repositories.${e.plural}, env),`).join('\n')}
  };
  return { ...store, repositories };
}

/** Starts the ${model.context.name} service on PORT (default 8080) and stops gracefully on SIGTERM. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<RunningService> {
  const store = await openStore(env);
  const app = createServiceApplication({
    repositories: store.repositories,
    clock: systemClock,
    ids: randomIds,
    events: store.events,
  });
  const server = createHttpServer(app, { unitOfWork: store.unitOfWork });
  const port = env.PORT === undefined ? 8080 : Number(env.PORT);
  const host = env.HOST ?? '0.0.0.0';
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      void store.close().finally(() => reject(error));
    });
    server.listen(port, host, () => {
      const stop = () =>
        new Promise<void>((done) => {
          process.removeListener('SIGTERM', onSignal);
          server.close(() => void store.close().finally(done));
          server.closeIdleConnections();
        });
      const onSignal = () => {
        void stop().then(() => process.exit(0));
      };
      process.once('SIGTERM', onSignal);
      resolve({ server, port: (server.address() as AddressInfo).port, app, stop });
    });
  });
}

if (require.main === module) {
  main().then(
    (running) => process.stdout.write('${model.context.slug} service listening on port ' + running.port + '\\n'),
    (error: unknown) => {
      process.stderr.write('failed to start: ' + String(error) + '\\n');
      process.exit(1);
    },
  );
}
`;
}
