import type { PoolConfig } from 'pg';
import { managedIdentityToken } from './managedIdentity';

/** The Microsoft Entra ID resource Azure Database for PostgreSQL accepts access tokens for. */
const postgresResource = 'https://ossrdbms-aad.database.windows.net';

/**
 * Where the service's database is: `DATABASE_URL` (a local deployment), or in Azure the libpq variables the
 * product's template sets (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE) with an access token of the app's
 * managed identity as the password (Entra ID authentication, no password stored anywhere).
 */
export function databaseConnection(env: NodeJS.ProcessEnv): PoolConfig | undefined {
  if (env.DATABASE_URL) return { connectionString: env.DATABASE_URL };
  if (!env.PGHOST) return undefined;
  const token = managedIdentityToken(env, postgresResource);
  return {
    host: env.PGHOST,
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    database: env.PGDATABASE,
    user: env.PGUSER,
    // Azure requires TLS; only a loopback server in a test says `disable`.
    ssl: env.PGSSLMODE === 'disable' ? false : { rejectUnauthorized: true },
    password: async () => (await token()).token,
  };
}
