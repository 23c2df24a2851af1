import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
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
  /** The issuer of its v2.0 tokens (for APIs registered in the tenant) and where its signing keys are published. */
  issuer: string;
  jwksUrl: string;
  requests: ManagedIdentityRequest[];
  /** The access token the endpoint hands out for a resource (with `stableTokens`, the same one every time). */
  token(resource: string): string;
  close(): Promise<void>;
}

/**
 * The managed identity endpoint of App Service and Azure Functions (GET IDENTITY_ENDPOINT?resource=...&
 * api-version=2019-08-01[&client_id=...] with the X-IDENTITY-HEADER secret), answering with an RS256-signed JWT
 * whose claims are those of an Entra ID access token for the resource (aud, iss, tid, oid, nbf, exp), so loopback
 * servers can check the audience as the services do. For an API registered in the tenant (`api://<client id>`,
 * which asks for v2.0 tokens) the token is a v2.0 one (aud = the client id, iss = .../<tenant>/v2.0); the keys
 * are published at `<endpoint>/<tenant>/discovery/v2.0/keys`, standing in for Entra ID's
 * (`https://login.microsoftonline.com` is this endpoint's origin here). A request without the header secret is
 * refused. With
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
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  let origin = '';
  const issue = (resource: string, clientId: string | null) => {
    const kept = options.stableTokens ? issued.get(resource) : undefined;
    if (kept) return kept;
    const now = Math.floor(Date.now() / 1000);
    const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
    const api = /^api:\/\/([0-9a-f-]{36})$/.exec(resource);
    const claims = {
      aud: api ? api[1] : resource.replace(/\/$/, ''),
      iss: api ? `${origin}/${tenantId}/v2.0` : `https://sts.windows.net/${tenantId}/`,
      ...(api ? { ver: '2.0', azp: clientId ?? options.clientId ?? objectId, sub: objectId } : {}),
      tid: tenantId,
      oid: objectId,
      appid: clientId ?? options.clientId ?? objectId,
      nbf: now - 60,
      iat: now - 60,
      exp: now + 3600,
    };
    const signed = `${encode({ alg: 'RS256', typ: 'JWT', kid })}.${encode(claims)}`;
    const signature = sign('sha256', Buffer.from(signed), keys.privateKey).toString('base64url');
    const token = {
      access_token: `${signed}.${signature}`,
      expires_on: String(claims.exp),
    };
    issued.set(resource, token);
    return token;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === `/${tenantId}/discovery/v2.0/keys`) {
      const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    }
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
  origin = `http://127.0.0.1:${port}`;
  return {
    env: { IDENTITY_ENDPOINT: `${origin}/msi/token`, IDENTITY_HEADER: secret },
    tenantId,
    issuer: `${origin}/${tenantId}/v2.0`,
    jwksUrl: `${origin}/${tenantId}/discovery/v2.0/keys`,
    requests,
    token: (resource) => issue(resource, options.clientId ?? null).access_token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The audience (`aud` claim) of an Entra ID access token as the loopback endpoints issue them. */
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
