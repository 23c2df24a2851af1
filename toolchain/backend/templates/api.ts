import type { ServiceModel } from '../model';
import { tsLiteral } from '../../escaping/tsLiteral';

const q = tsLiteral;

/** The route table: one entry per OpenAPI operation, each with its handler. */
export function routesSource(model: ServiceModel): string {
  const lines: string[] = [];
  lines.push(`import type { ServiceApplication } from '../application/application';`);
  lines.push(`import { parsePaging } from './http';`);
  lines.push(`import { signedIn, type Route } from './route';`);
  lines.push('');
  lines.push('/** Every operation of the OpenAPI document, by method and path template. */');
  lines.push('export function buildRoutes(app: ServiceApplication): Route[] {');
  lines.push('  return [');
  lines.push(
    `    { method: 'GET', path: '/health', operationId: 'health', anonymous: true, handler: async () => ({ status: 200, body: { status: 'ok' } }) },`,
  );
  for (const e of model.entities) {
    const uc = `app.${e.plural}`;
    lines.push(
      `    {\n      method: 'GET',\n      path: ${q(e.collectionPath)},\n      operationId: ${q(`list${e.entity.plural}`)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.list(parsePaging(request.url)) }),\n    },`,
    );
    lines.push(
      `    {\n      method: 'POST',\n      path: ${q(e.collectionPath)},\n      operationId: ${q(`create${e.name}`)},\n      handler: async (request) => {\n        const created = await ${uc}.create(await request.body(), signedIn(request));\n        return { status: 201, body: created, headers: { location: ${q(e.collectionPath + '/')} + created.id } };\n      },\n    },`,
    );
    lines.push(
      `    {\n      method: 'GET',\n      path: ${q(e.itemPath)},\n      operationId: ${q(`get${e.name}`)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.get(request.params.id) }),\n    },`,
    );
    lines.push(
      `    {\n      method: 'PATCH',\n      path: ${q(e.itemPath)},\n      operationId: ${q(`update${e.name}`)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.update(request.params.id, await request.body(), signedIn(request)) }),\n    },`,
    );
    lines.push(
      `    {\n      method: 'DELETE',\n      path: ${q(e.itemPath)},\n      operationId: ${q(`delete${e.name}`)},\n      handler: async (request) => {\n        await ${uc}.delete(request.params.id, signedIn(request));\n        return { status: 204 };\n      },\n    },`,
    );
    for (const c of e.commands) {
      lines.push(
        `    {\n      method: 'POST',\n      path: ${q(c.path)},\n      operationId: ${q(c.fn)},\n      handler: async (request) => ({ status: 200, body: await ${uc}.${c.fn}(request.params.id, signedIn(request)) }),\n    },`,
      );
    }
  }
  lines.push('  ];');
  lines.push('}');
  return lines.join('\n') + '\n';
}

export function mainSource(model: ServiceModel): string {
  return `import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServiceApplication, type Repositories, type ServiceApplication } from './application/application';
import type { Repository } from './application/ports';
import { bearerAuthentication } from './api/authentication';
import { buildRoutes } from './api/routes';
import { createHttpServer } from './api/server';
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

/** The records of each entity, by repository name (from the repositories, so no entity name meets this file's). */
type Records = { [K in keyof Repositories]: Repositories[K] extends Repository<infer T> ? T : never };

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
${model.entities.map((e) => `        ${e.plural}: new InMemoryRepository<Records['${e.plural}']>(),`).join('\n')}
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
  // Before the store opens: a service that cannot check tokens does not start.
  const authenticate = bearerAuthentication(env);
  const store = await openStore(env);
  const app = createServiceApplication({
    repositories: store.repositories,
    clock: systemClock,
    ids: randomIds,
    events: store.events,
  });
  const server = createHttpServer(buildRoutes(app), { authenticate, unitOfWork: store.unitOfWork });
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
