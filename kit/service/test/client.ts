import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { SignJWT } from 'jose';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  text: string;
}

/** Who a test calls as: a subject with roles, a raw Authorization header value, or nobody (`null`). */
export type Caller = { subject: string; roles: string[] } | { authorization: string } | null;

/**
 * The token issuer of the tests: a key pair made for this test process, whose public key the service is started
 * with (serviceEnv), as a deployment gives it its identity provider's keys.
 */
const issuer = { issuer: 'https://tests.invalid/issuer', audience: 'api://service-under-test' };
const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = {
  ...signingKey.publicKey.export({ format: 'jwk' }),
  kid: 'tests',
  alg: 'ES256',
  use: 'sig',
};

export interface TokenOptions {
  audience?: string;
  issuer?: string;
  /** Seconds from now; negative for a token that has expired, null for one that states no expiry. */
  expiresIn?: number | null;
  /** Signed with a key the service does not trust. */
  foreignKey?: boolean;
}

/** A bearer token for a subject and its roles, signed by the tests' issuer unless told otherwise. */
export async function tokenFor(
  subject: string,
  roles: string[] = [],
  options: TokenOptions = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const key = options.foreignKey
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
    : signingKey.privateKey;
  const token = new SignJWT({ roles })
    .setProtectedHeader({ alg: 'ES256', kid: 'tests', typ: 'JWT' })
    .setSubject(subject)
    .setIssuer(options.issuer ?? issuer.issuer)
    .setAudience(options.audience ?? issuer.audience)
    .setIssuedAt(now)
    .setJti(randomUUID());
  if (options.expiresIn !== null) token.setExpirationTime(now + (options.expiresIn ?? 3600));
  return token.sign(key);
}

/** The caller of `call` when none is given: a signed-in tester with the roles `actAs` last set. */
let defaultCaller: Caller = { subject: 'tester', roles: [] };

/** Sets who `call` acts as when no caller is given. */
export function actAs(caller: Caller): void {
  defaultCaller = caller;
}

async function authorizationOf(caller: Caller): Promise<string | undefined> {
  if (caller === null) return undefined;
  if ('authorization' in caller) return caller.authorization;
  return 'Bearer ' + (await tokenFor(caller.subject, caller.roles));
}

export async function call(
  port: number,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
  as: Caller = defaultCaller,
): Promise<Reply> {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const authorization = await authorizationOf(as);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: {
          ...(authorization === undefined ? {} : { authorization }),
          ...(payload === undefined
            ? {}
            : { 'content-type': contentType, 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
        });
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function field(value: unknown, name: string): unknown {
  return (value as Record<string, unknown>)[name];
}

/**
 * The environment a test starts the service with: the tests' token issuer, and the PostgreSQL database
 * TEST_DATABASE_URL names (its migrations applied), or else (or when `inMemory`) the in-memory test double.
 */
export function serviceEnv(
  extra: Record<string, string> = {},
  options: { inMemory?: boolean } = {},
): NodeJS.ProcessEnv {
  const database = options.inMemory ? undefined : process.env.TEST_DATABASE_URL;
  return {
    PORT: '0',
    HOST: '127.0.0.1',
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS: JSON.stringify({ keys: [publicJwk] }),
    ...(database ? { DATABASE_URL: database } : { REPOSITORY: 'memory' }),
    ...extra,
  };
}

/**
 * For each collection, the fields that name another record of the service, a body to create such a record with,
 * and the fields of that body to vary so that no record is refused as a duplicate.
 */
export type References = Record<
  string,
  Array<{ field: string; collectionPath: string; body: Record<string, unknown>; unique: string[] }>
>;

/** The record made for a sample id, per service (port) and collection: the same id always names the same one. */
const madeFor = new Map<string, string>();
let created = 0;
/** Sets apart the records of test processes that share a database. */
const runTag = Math.random().toString(36).slice(2, 6);

/**
 * A create body whose references name existing records: a reference to an id the service does not know gets a
 * record created for it first, as a client creates the room before it books it. The database keeps references
 * with foreign keys; the in-memory test double does not check them, so the tests create them either way.
 */
export async function withReferences(
  port: number,
  path: string,
  body: unknown,
  references: References,
  depth = 0,
): Promise<unknown> {
  const fields = references[path];
  if (!fields || typeof body !== 'object' || body === null || depth > 3) return body;
  const filled: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  for (const ref of fields) {
    const value = filled[ref.field];
    if (typeof value !== 'string') continue;
    const key = port + ' ' + ref.collectionPath + ' ' + value;
    const known = madeFor.get(key);
    if (known !== undefined) {
      filled[ref.field] = known;
      continue;
    }
    if ((await call(port, 'GET', ref.collectionPath + '/' + value)).status === 200) continue;
    created++;
    const parent = { ...ref.body };
    for (const name of ref.unique) parent[name] = 'r' + runTag + created + '.' + String(parent[name]);
    const made = await call(
      port,
      'POST',
      ref.collectionPath,
      await withReferences(port, ref.collectionPath, parent, references, depth + 1),
    );
    if (made.status !== 201)
      throw new Error('creating the record ' + ref.field + ' names failed: ' + made.text);
    const id = String(field(made.body, 'id'));
    madeFor.set(key, id);
    filled[ref.field] = id;
  }
  return filled;
}
