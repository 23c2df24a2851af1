import { principalFromClientPrincipal, clientPrincipalHeader } from './appServicePrincipal';
import { loadTokenTable } from './apiTokens';
import { authMode, AuthenticationError, type Principal } from './principal';

/** What principal resolution reads from a request: its headers. */
export interface HeaderSource {
  get(name: string): string | null;
}

/**
 * The caller of a request. With `FACTORY_AUTH_MODE=appservice`, the platform's client principal; otherwise
 * a bearer token from `FACTORY_API_TOKENS` or `<FACTORY_HOME>/api-token`. A client-supplied
 * `x-ms-client-principal` is ignored unless App Service Authentication is the mode.
 */
export function resolvePrincipal(
  headers: HeaderSource,
  env: NodeJS.ProcessEnv,
  factoryHome: string,
): Principal {
  if (authMode(env) === 'appservice') return principalFromClientPrincipal(headers.get(clientPrincipalHeader));
  const table = loadTokenTable(env, factoryHome);
  const authorization = headers.get('authorization');
  if (!authorization)
    throw new AuthenticationError('missing credentials: send Authorization: Bearer <token>');
  const match = /^Bearer[ ]+([^\s]+)\s*$/i.exec(authorization);
  if (!match) throw new AuthenticationError('the Authorization header must be "Bearer <token>"', true);
  if (table.size === 0) {
    throw new AuthenticationError(
      'no API tokens are configured: set FACTORY_API_TOKENS or run `factory serve` once to create FACTORY_HOME/api-token',
      true,
    );
  }
  const grant = table.verify(match[1]);
  if (!grant) throw new AuthenticationError('the bearer token is not valid', true);
  return { ...grant, source: 'token' };
}

/** The `WWW-Authenticate` challenge that answers an authentication failure (RFC 6750). */
export function bearerChallenge(error: AuthenticationError): string {
  return `Bearer realm="software-factory"${error.invalidCredentials ? ', error="invalid_token"' : ''}`;
}
