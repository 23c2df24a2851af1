import type { EventPublisher, Repository, UnitOfWork } from '../application/ports';
import { databaseConnection } from './postgresConnection';
import { PostgresDatabase, type TableMapping } from './postgresDatabase';
import { applyPendingMigrations, scriptsIn } from './postgresMigrations';
import { PostgresOutbox } from './postgresOutbox';
import { PostgresRepository } from './postgresRepository';
import { logEvents, serviceBusEvents } from './serviceBusEvents';

/** What the composition root needs from a store: a repository per entity, events and units of work. */
export interface Store<R extends Record<string, { id: string }>> {
  repositories: { [K in keyof R]: Repository<R[K]> };
  events: EventPublisher;
  unitOfWork: UnitOfWork;
  close(): Promise<void>;
}

/**
 * The service's PostgreSQL store: pending migrations applied first when the image carries them (MIGRATIONS_DIR,
 * in Azure), the schema checked against the tables' mapping, a repository per entity, the transactional outbox
 * relayed to the product's Service Bus topic in Azure and to the service's log elsewhere, and a SERIALIZABLE unit of work per changing request.
 */
export async function openPostgresStore<R extends Record<string, { id: string }>>(
  env: NodeJS.ProcessEnv,
  tables: { [K in keyof R]: TableMapping },
): Promise<Store<R>> {
  const connection = databaseConnection(env);
  if (!connection) throw new Error('neither DATABASE_URL nor PGHOST is set');
  if (env.MIGRATIONS_DIR) await applyPendingMigrations(connection, scriptsIn(env.MIGRATIONS_DIR));
  const db = new PostgresDatabase(connection);
  try {
    await db.verify(Object.values(tables));
  } catch (error) {
    await db.close();
    throw error;
  }
  const channel = serviceBusEvents(env) ?? logEvents;
  const outbox = new PostgresOutbox(db, channel);
  outbox.start();
  const repositories = Object.fromEntries(
    Object.entries<TableMapping>(tables).map(([name, mapping]) => [
      name,
      new PostgresRepository(db, mapping),
    ]),
  ) as unknown as { [K in keyof R]: Repository<R[K]> };
  return {
    repositories,
    events: outbox,
    unitOfWork: db,
    close: async () => {
      await outbox.stop();
      await channel.close();
      await db.close();
    },
  };
}
