/** An access token and when it expires (epoch milliseconds), as the Azure SDKs take it. */
export interface IdentityToken {
  token: string;
  expiresOnTimestamp: number;
}

/** A token is renewed this long before it expires. */
const renewBeforeMs = 5 * 60_000;

/**
 * Access tokens for one resource from the Container Apps (or App Service) managed identity endpoint
 * (IDENTITY_ENDPOINT with the IDENTITY_HEADER secret; AZURE_CLIENT_ID picks a user-assigned identity), cached
 * until shortly before they expire.
 */
export function managedIdentityToken(env: NodeJS.ProcessEnv, resource: string): () => Promise<IdentityToken> {
  let cached: { token: IdentityToken; renewAt: number } | undefined;
  return async () => {
    if (cached && Date.now() < cached.renewAt) return cached.token;
    const endpoint = env.IDENTITY_ENDPOINT;
    const secret = env.IDENTITY_HEADER;
    if (!endpoint || !secret)
      throw new Error('no managed identity is available (IDENTITY_ENDPOINT, IDENTITY_HEADER)');
    const url = new URL(endpoint);
    url.searchParams.set('api-version', '2019-08-01');
    url.searchParams.set('resource', resource);
    if (env.AZURE_CLIENT_ID) url.searchParams.set('client_id', env.AZURE_CLIENT_ID);
    const response = await fetch(url, {
      headers: { 'X-IDENTITY-HEADER': secret },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error('the managed identity endpoint answered ' + response.status);
    const body = (await response.json()) as { access_token?: unknown; expires_on?: unknown };
    if (typeof body.access_token !== 'string') throw new Error('the managed identity endpoint gave no token');
    const expiresAt = Number(body.expires_on) * 1000;
    const expiresOnTimestamp = Number.isFinite(expiresAt) ? expiresAt : Date.now() + 60 * 60_000;
    cached = {
      token: { token: body.access_token, expiresOnTimestamp },
      renewAt: expiresOnTimestamp - renewBeforeMs,
    };
    return cached.token;
  };
}

/**
 * The managed identity as a credential of the Azure SDKs: a scope `<resource>/.default` is a token for that
 * resource, each resource's token cached on its own.
 */
export function managedIdentityCredential(env: NodeJS.ProcessEnv): {
  getToken(scopes: string | string[]): Promise<IdentityToken>;
} {
  const sources = new Map<string, () => Promise<IdentityToken>>();
  return {
    getToken(scopes) {
      const resource = (Array.isArray(scopes) ? scopes[0] : scopes).replace(/\/\.default$/, '');
      let source = sources.get(resource);
      if (!source) sources.set(resource, (source = managedIdentityToken(env, resource)));
      return source();
    },
  };
}
