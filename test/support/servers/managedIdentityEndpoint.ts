import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ManagedIdentityRequest {
  resource: string;
  clientId: string | null;
  apiVersion: string | null;
}

export interface ManagedIdentityEndpoint {
  /** What App Service and Functions put in IDENTITY_ENDPOINT and IDENTITY_HEADER. */
  env: { IDENTITY_ENDPOINT: string; IDENTITY_HEADER: string };
  tenantId: string;
  requests: ManagedIdentityRequest[];
  /** The access token the endpoint hands out for a resource (with `stableTokens`, the same one every time). */
  token(resource: string): string;
  close(): Promise<void>;
}

/**
 * The managed identity endpoint of App Service and Azure Functions (GET IDENTITY_ENDPOINT?resource=...&
 * api-version=2019-08-01[&client_id=...] with the X-IDENTITY-HEADER secret), answering with an unsigned JWT whose
 * claims are those of an Entra ID access token for the resource (aud, iss, tid, oid, nbf, exp), so loopback
 * servers can check the audience as the services do. A request without the header secret is refused. With
 * `stableTokens` a resource's token is issued once and handed out again (the platform caches tokens for hours),
 * so a server that can only compare passwords, standing in for one that validates Entra ID tokens, knows it.
 */
export async function startManagedIdentityEndpoint(
  options: { clientId?: string; stableTokens?: boolean } = {},
): Promise<ManagedIdentityEndpoint> {
  const secret = randomUUID();
  const tenantId = randomUUID();
  const objectId = randomUUID();
  const requests: ManagedIdentityRequest[] = [];
  const issued = new Map<string, { access_token: string; expires_on: string }>();
  const issue = (resource: string, clientId: string | null) => {
    const kept = options.stableTokens ? issued.get(resource) : undefined;
    if (kept) return kept;
    const now = Math.floor(Date.now() / 1000);
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const claims = {
      aud: resource.replace(/\/$/, ''),
      iss: `https://sts.windows.net/${tenantId}/`,
      tid: tenantId,
      oid: objectId,
      appid: clientId ?? options.clientId ?? objectId,
      nbf: now - 60,
      iat: now - 60,
      exp: now + 3600,
    };
    const token = {
      access_token: `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`,
      expires_on: String(claims.exp),
    };
    issued.set(resource, token);
    return token;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const resource = url.searchParams.get('resource');
    const clientId = url.searchParams.get('client_id');
    const refuse = (status: number, message: string) =>
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(JSON.stringify({ statusCode: status, message }));
    if (req.headers['x-identity-header'] !== secret)
      return refuse(401, 'X-IDENTITY-HEADER is missing or wrong');
    if (!resource) return refuse(400, 'resource is required');
    if (options.clientId && clientId && clientId !== options.clientId)
      return refuse(400, `no user-assigned identity with client id ${clientId} is assigned to this app`);
    requests.push({ resource, clientId, apiVersion: url.searchParams.get('api-version') });
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        ...issue(resource, clientId),
        resource,
        token_type: 'Bearer',
        client_id: clientId ?? options.clientId ?? objectId,
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    env: { IDENTITY_ENDPOINT: `http://127.0.0.1:${port}/msi/token`, IDENTITY_HEADER: secret },
    tenantId,
    requests,
    token: (resource) => issue(resource, options.clientId ?? null).access_token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The audience (`aud` claim) of an Entra ID access token as the loopback endpoints issue them (unsigned JWTs). */
export function tokenAudience(token: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      aud?: string;
    };
    return claims.aud;
  } catch {
    return undefined;
  }
}
