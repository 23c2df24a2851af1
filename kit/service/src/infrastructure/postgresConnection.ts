import type { PoolConfig } from 'pg';

/** The Microsoft Entra ID resource Azure Database for PostgreSQL accepts access tokens for. */
const postgresResource = 'https://ossrdbms-aad.database.windows.net';
/** A token is renewed this long before it expires. */
const renewBeforeMs = 5 * 60_000;

/**
 * Where the service's database is: `DATABASE_URL` (a local deployment), or in Azure the libpq variables the
 * product's template sets (PGHOST, PGPORT, PGDATABASE, PGUSER, PGSSLMODE) with an access token of the app's
 * managed identity as the password (Entra ID authentication, no password stored anywhere).
 */
export function databaseConnection(env: NodeJS.ProcessEnv): PoolConfig | undefined {
  if (env.DATABASE_URL) return { connectionString: env.DATABASE_URL };
  if (!env.PGHOST) return undefined;
  return {
    host: env.PGHOST,
    port: env.PGPORT ? Number(env.PGPORT) : 5432,
    database: env.PGDATABASE,
    user: env.PGUSER,
    // Azure requires TLS; only a loopback server in a test says `disable`.
    ssl: env.PGSSLMODE === 'disable' ? false : { rejectUnauthorized: true },
    password: managedIdentityToken(env),
  };
}

/**
 * An access token for PostgreSQL from the Container Apps (or App Service) managed identity endpoint
 * (IDENTITY_ENDPOINT with the IDENTITY_HEADER secret; AZURE_CLIENT_ID picks a user-assigned identity), cached
 * until shortly before it expires.
 */
export function managedIdentityToken(env: NodeJS.ProcessEnv): () => Promise<string> {
  let cached: { token: string; renewAt: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.renewAt) return cached.token;
    const endpoint = env.IDENTITY_ENDPOINT;
    const secret = env.IDENTITY_HEADER;
    if (!endpoint || !secret)
      throw new Error(
        'PGHOST is set but no managed identity is available (IDENTITY_ENDPOINT, IDENTITY_HEADER)',
      );
    const url = new URL(endpoint);
    url.searchParams.set('api-version', '2019-08-01');
    url.searchParams.set('resource', postgresResource);
    if (env.AZURE_CLIENT_ID) url.searchParams.set('client_id', env.AZURE_CLIENT_ID);
    const response = await fetch(url, {
      headers: { 'X-IDENTITY-HEADER': secret },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error('the managed identity endpoint answered ' + response.status);
    const body = (await response.json()) as { access_token?: unknown; expires_on?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('the managed identity endpoint gave no token');
    const expiresAt = Number(body.expires_on) * 1000;
    cached = {
      token: body.access_token,
      renewAt: (Number.isFinite(expiresAt) ? expiresAt : Date.now() + 60 * 60_000) - renewBeforeMs,
    };
    return cached.token;
  };
}
