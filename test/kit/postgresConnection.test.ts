import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { managedIdentityToken } from '../../kit/service/src/infrastructure/managedIdentity';
import { databaseConnection } from '../../kit/service/src/infrastructure/postgresConnection';
import { PostgresDatabase } from '../../kit/service/src/infrastructure/postgresDatabase';
import { applyPendingMigrations, scriptsIn } from '../../kit/service/src/infrastructure/postgresMigrations';

/**
 * Azure-shaped: a generated service in a container app reaches its Flexible Server with the libpq variables the
 * product template sets and an Entra ID access token of its managed identity as the password. The identity
 * endpoint is a loopback stand-in built from the documented Container Apps shape (GET IDENTITY_ENDPOINT with
 * api-version 2019-08-01, resource, client_id and the X-IDENTITY-HEADER secret; JSON with access_token and
 * expires_on in epoch seconds). With TEST_POSTGRES_URL the server is Debian's PostgreSQL, where a role whose
 * password is the issued token plays the Entra principal.
 */
const secret = 'identity-header-secret';
const postgresResource = 'https://ossrdbms-aad.database.windows.net';
const clientId = '6f3c2b1a-0d4e-4f5a-8b6c-7d8e9f0a1b2c';
let issued = 0;
let token = 'token-1';
let expiresInSeconds = 3600;
let server: Server;
let endpoint = '';
const requests: URL[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    requests.push(url);
    const valid =
      req.method === 'GET' &&
      req.headers['x-identity-header'] === secret &&
      url.searchParams.get('api-version') === '2019-08-01' &&
      url.searchParams.get('resource') === 'https://ossrdbms-aad.database.windows.net';
    if (!valid) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request' }));
      return;
    }
    issued++;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: token,
        expires_on: String(Math.floor(Date.now() / 1000) + expiresInSeconds),
        resource: 'https://ossrdbms-aad.database.windows.net',
        token_type: 'Bearer',
        client_id: url.searchParams.get('client_id'),
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  issued = 0;
  requests.length = 0;
  expiresInSeconds = 3600;
});

describe('service kit: the database connection in Azure (managed identity)', () => {
  it('asks the identity endpoint for a PostgreSQL token of its identity and reuses it until near expiry', async () => {
    const password = managedIdentityToken(
      { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: secret, AZURE_CLIENT_ID: clientId },
      postgresResource,
    );
    expect((await password()).token).toBe('token-1');
    expect((await password()).token).toBe('token-1');
    expect(issued).toBe(1);
    expect(requests[0].searchParams.get('client_id')).toBe(clientId);
    // A token within five minutes of expiry is renewed.
    expiresInSeconds = 120;
    const renewing = managedIdentityToken(
      { IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: secret },
      postgresResource,
    );
    await renewing();
    await renewing();
    expect(issued).toBe(3);
  });

  it('says what is missing or refused instead of connecting without a password', async () => {
    await expect(managedIdentityToken({}, postgresResource)()).rejects.toThrow(
      /no managed identity is available/,
    );
    await expect(
      managedIdentityToken({ IDENTITY_ENDPOINT: endpoint, IDENTITY_HEADER: 'wrong' }, postgresResource)(),
    ).rejects.toThrow('the managed identity endpoint answered 400');
  });

  it('prefers DATABASE_URL, uses the libpq variables with TLS in Azure, and has none without either', () => {
    expect(databaseConnection({ DATABASE_URL: 'postgres://a@b/c', PGHOST: 'x' })).toEqual({
      connectionString: 'postgres://a@b/c',
    });
    expect(
      databaseConnection({
        PGHOST: 'psql-shop.postgres.database.azure.com',
        PGDATABASE: 'orders',
        PGUSER: 'id-shop',
      }),
    ).toMatchObject({
      host: 'psql-shop.postgres.database.azure.com',
      port: 5432,
      database: 'orders',
      user: 'id-shop',
      ssl: { rejectUnauthorized: true },
      password: expect.any(Function),
    });
    expect(databaseConnection({})).toBeUndefined();
  });

  const onServer = process.env.TEST_POSTGRES_URL ? it : it.skip;
  onServer(
    'connects as the identity with the token as password, and migrates from its folder',
    async () => {
      const admin = new Client({ connectionString: process.env.TEST_POSTGRES_URL });
      await admin.connect();
      const role = `entra_${Date.now().toString(36)}`;
      token = `eyJ0eXAiOiJKV1Qi.${role}.signature`;
      const folder = mkdtempSync(join(tmpdir(), 'migrations-'));
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${token}'`);
        await admin.query(`CREATE DATABASE ${role} OWNER ${role}`);
        const url = new URL(process.env.TEST_POSTGRES_URL!);
        const env = {
          PGHOST: url.hostname,
          PGPORT: url.port,
          PGDATABASE: role,
          PGUSER: role,
          PGSSLMODE: 'disable',
          IDENTITY_ENDPOINT: endpoint,
          IDENTITY_HEADER: secret,
          AZURE_CLIENT_ID: clientId,
        };
        mkdirSync(folder, { recursive: true });
        writeFileSync(join(folder, '001_create_items.sql'), 'CREATE TABLE items (id uuid PRIMARY KEY);');
        writeFileSync(join(folder, 'README.md'), 'not a migration');
        const connection = databaseConnection(env)!;
        expect(await applyPendingMigrations(connection, scriptsIn(folder))).toEqual({
          applied: ['001_create_items.sql'],
          unchanged: 0,
        });
        const db = new PostgresDatabase(connection);
        try {
          expect(await db.query('SELECT current_user AS who, count(*)::int AS n FROM items')).toEqual([
            { who: role, n: 0 },
          ]);
        } finally {
          await db.close();
        }
        // A wrong token is refused by the server: the password really is the token.
        token = 'forged';
        const forged = databaseConnection(env)!;
        const db2 = new PostgresDatabase(forged);
        await expect(db2.query('SELECT 1')).rejects.toThrow();
        await db2.close();
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${role} WITH (FORCE)`);
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
        await admin.end();
        rmSync(folder, { recursive: true, force: true });
        token = 'token-1';
      }
    },
    30_000,
  );
});
