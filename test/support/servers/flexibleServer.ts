import { Client } from 'pg';

/** The Entra ID resource Azure Database for PostgreSQL accepts access tokens for. */
export const postgresTokenResource = 'https://ossrdbms-aad.database.windows.net';

export interface FlexibleServer {
  /**
   * What the product template's PostgreSQL module does for one deployment: a database per service and a login
   * for the product's identity; resolves with the database settings each service's app receives.
   */
  provision(identityName: string, services: string[]): Promise<Record<string, Record<string, string>>>;
  /** The databases provisioned so far. */
  databases(): string[];
  /** Runs a query as the administrator in one of them. */
  query(database: string, sql: string): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Azure Database for PostgreSQL flexible server with Entra ID authentication, on a loopback PostgreSQL server
 * reached with an administrator's URL. Entra ID authentication is reduced to what this server can check: the
 * identity's login has as password the one token the product's identity endpoint hands out (`token`). One server
 * holds the databases of every deployment of the suite, so each is named after the identity and the service, not
 * the service alone as in the product's own server; TLS is off on loopback.
 */
export function flexibleServer(adminUrl: string, token: () => string): FlexibleServer {
  const created: { databases: string[]; roles: string[] } = { databases: [], roles: [] };
  const admin = async <T>(work: (client: Client) => Promise<T>, database?: string): Promise<T> => {
    const at = new URL(adminUrl);
    // (A connection string's database wins over a `database` option.)
    if (database) at.pathname = `/${database}`;
    const client = new Client({ connectionString: at.toString() });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const url = new URL(adminUrl);
  return {
    provision: (identityName, services) =>
      admin(async (client) => {
        const role = identityName.toLowerCase();
        if (!created.roles.includes(role)) {
          await client.query(`CREATE ROLE ${quoted(role)} LOGIN PASSWORD '${token().replace(/'/g, "''")}'`);
          created.roles.push(role);
        }
        const settings: Record<string, Record<string, string>> = {};
        for (const service of services) {
          const database = `${role}_${service}`.replace(/[^a-z0-9_]/g, '_');
          if (!created.databases.includes(database)) {
            await client.query(`CREATE DATABASE ${quoted(database)} OWNER ${quoted(role)}`);
            created.databases.push(database);
          }
          settings[service] = {
            PGHOST: url.hostname,
            PGPORT: url.port || '5432',
            PGDATABASE: database,
            PGUSER: role,
            PGSSLMODE: 'disable',
          };
        }
        return settings;
      }),
    databases: () => [...created.databases],
    query: (database, sql) => admin(async (client) => (await client.query(sql)).rows, database),
    close: () =>
      admin(async (client) => {
        for (const database of created.databases)
          await client.query(`DROP DATABASE IF EXISTS ${quoted(database)} WITH (FORCE)`);
        for (const role of created.roles) await client.query(`DROP ROLE IF EXISTS ${quoted(role)}`);
      }),
  };
}
