import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { createServer as createHttpsServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoopbackCertificate } from './loopbackTls';

export interface SignInUser {
  oid: string;
  name: string;
  username: string;
  roles?: string[];
}

export interface EntraSignIn {
  /** What the clients are told to sign in at: `https://127.0.0.1:<port>/<tenant>`. */
  authority: string;
  /** The `iss` of its v2.0 access tokens, and the public keys they are signed with (a JSON key set). */
  issuer: string;
  jwks: string;
  /** What reached the endpoints: authorize redirects, code and refresh-token grants, refusals with reasons. */
  log: string[];
  close(): Promise<void>;
}

interface PendingCode {
  redirectUri: string;
  challenge: string;
  nonce: string;
  scope: string;
}

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Microsoft Entra ID's v2.0 sign-in endpoints for one single-page app registration, from the documented protocol
 * (authorization code flow with PKCE for SPAs): the tenant's OpenID configuration and keys, `authorize` (here the
 * user is already signed in and has consented, so it redirects straight back with a code in the fragment, as Entra ID
 * does for a SPA), and `token`, which redeems a code only with the matching PKCE verifier, from a cross-origin request
 * (Entra ID refuses SPA codes redeemed without an Origin header), and renews with refresh tokens. Access tokens are
 * v2.0 tokens of the API (`aud` = its client id, `scp`, `oid`, `roles`) signed RS256, living `accessTokenSeconds`.
 * It runs over TLS because MSAL.js accepts only https:// authorities.
 */
export async function startEntraSignIn(options: {
  certificate: LoopbackCertificate;
  clientId: string;
  redirectUris: string[];
  user: SignInUser;
  accessTokenSeconds?: number;
}): Promise<EntraSignIn> {
  const tenant = randomUUID();
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const codes = new Map<string, PendingCode>();
  const refreshTokens = new Set<string>();
  const log: string[] = [];
  let origin = '';
  const issuer = () => `${origin}/${tenant}/v2.0`;
  const jwt = (claims: object) => {
    const signed = `${b64url({ alg: 'RS256', typ: 'JWT', kid })}.${b64url(claims)}`;
    return `${signed}.${sign('sha256', Buffer.from(signed), keys.privateKey).toString('base64url')}`;
  };
  const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };

  const tokens = (scope: string, nonce?: string) => {
    const now = Math.floor(Date.now() / 1000);
    const lifetime = options.accessTokenSeconds ?? 3600;
    const refresh = randomBytes(24).toString('base64url');
    refreshTokens.add(refresh);
    const { user } = options;
    // Both tokens are v2.0 tokens of this app's registration, about the same person.
    const common = {
      aud: options.clientId,
      iss: issuer(),
      ver: '2.0',
      tid: tenant,
      oid: user.oid,
      sub: user.oid,
      name: user.name,
      iat: now,
      nbf: now,
    };
    return {
      token_type: 'Bearer',
      scope,
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: jwt({
        ...common,
        azp: options.clientId,
        scp: scope
          .split(' ')
          .filter((s) => s.startsWith('api://'))
          .map((s) => s.slice(s.lastIndexOf('/') + 1))
          .join(' '),
        ...(user.roles?.length ? { roles: user.roles } : {}),
        exp: now + lifetime,
      }),
      refresh_token: refresh,
      id_token: jwt({
        ...common,
        preferred_username: user.username,
        ...(nonce ? { nonce } : {}),
        exp: now + 3600,
      }),
      client_info: b64url({ uid: user.oid, utid: tenant }),
    };
  };

  const json = (res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}) =>
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  const cors = (req: IncomingMessage): Record<string, string> =>
    req.headers.origin ? { 'access-control-allow-origin': req.headers.origin } : {};
  const oauthError = (req: IncomingMessage, res: ServerResponse, error: string, description: string) => {
    log.push(`refused: ${error}: ${description}`);
    json(res, 400, { error, error_description: description }, cors(req));
  };

  const server = createHttpsServer(
    { cert: options.certificate.cert, key: options.certificate.key },
    (req, res) => {
      const url = new URL(req.url ?? '/', origin);
      const path = url.pathname;
      if (req.method === 'OPTIONS') {
        return res
          .writeHead(204, {
            ...cors(req),
            'access-control-allow-methods': 'GET, POST',
            'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
          })
          .end();
      }
      if (path === `/${tenant}/v2.0/.well-known/openid-configuration`)
        return json(
          res,
          200,
          {
            issuer: issuer(),
            authorization_endpoint: `${origin}/${tenant}/oauth2/v2.0/authorize`,
            token_endpoint: `${origin}/${tenant}/oauth2/v2.0/token`,
            end_session_endpoint: `${origin}/${tenant}/oauth2/v2.0/logout`,
            jwks_uri: `${origin}/${tenant}/discovery/v2.0/keys`,
            response_modes_supported: ['query', 'fragment', 'form_post'],
            response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
            scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
            subject_types_supported: ['pairwise'],
            id_token_signing_alg_values_supported: ['RS256'],
            code_challenge_methods_supported: ['plain', 'S256'],
          },
          { 'access-control-allow-origin': '*' },
        );
      if (path === `/${tenant}/discovery/v2.0/keys`)
        return json(res, 200, { keys: [jwk] }, { 'access-control-allow-origin': '*' });
      if (path === `/${tenant}/oauth2/v2.0/authorize` && req.method === 'GET') {
        const q = url.searchParams;
        const redirectUri = q.get('redirect_uri') ?? '';
        if (q.get('client_id') !== options.clientId)
          return res.writeHead(400).end(`AADSTS700016: application ${q.get('client_id')} not found`);
        if (!options.redirectUris.includes(redirectUri))
          return res.writeHead(400).end(`AADSTS50011: the redirect URI ${redirectUri} is not registered`);
        if (
          q.get('response_type') !== 'code' ||
          q.get('code_challenge_method') !== 'S256' ||
          !q.get('code_challenge')
        )
          return res.writeHead(400).end('AADSTS9002325: PKCE (S256) is required for single-page apps');
        const code = randomBytes(24).toString('base64url');
        codes.set(code, {
          redirectUri,
          challenge: q.get('code_challenge') ?? '',
          nonce: q.get('nonce') ?? '',
          scope: q.get('scope') ?? '',
        });
        log.push(`authorize ${redirectUri} scope=${q.get('scope')}`);
        const back = new URLSearchParams({
          code,
          client_info: b64url({ uid: options.user.oid, utid: tenant }),
          state: q.get('state') ?? '',
          session_state: randomUUID(),
        });
        const separator = q.get('response_mode') === 'query' ? '?' : '#';
        return res.writeHead(302, { location: `${redirectUri}${separator}${back}` }).end();
      }
      if (path === `/${tenant}/oauth2/v2.0/token` && req.method === 'POST') {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
          if (!req.headers.origin)
            return oauthError(
              req,
              res,
              'invalid_request',
              'AADSTS9002327: SPA tokens may only be redeemed cross-origin',
            );
          if (form.get('client_id') !== options.clientId)
            return oauthError(req, res, 'unauthorized_client', 'unknown client');
          if (form.get('grant_type') === 'authorization_code') {
            const pending = codes.get(form.get('code') ?? '');
            codes.delete(form.get('code') ?? '');
            if (!pending)
              return oauthError(req, res, 'invalid_grant', 'AADSTS70008: the code is unknown or used');
            if (form.get('redirect_uri') !== pending.redirectUri)
              return oauthError(
                req,
                res,
                'invalid_grant',
                'AADSTS50148: redirect_uri differs from the authorize request',
              );
            const verifier = form.get('code_verifier') ?? '';
            if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge)
              return oauthError(req, res, 'invalid_grant', 'AADSTS501481: the code verifier does not match');
            log.push('token: authorization_code');
            return json(res, 200, tokens(form.get('scope') ?? pending.scope, pending.nonce), cors(req));
          }
          if (form.get('grant_type') === 'refresh_token') {
            const refresh = form.get('refresh_token') ?? '';
            if (!refreshTokens.delete(refresh))
              return oauthError(
                req,
                res,
                'invalid_grant',
                'AADSTS700082: the refresh token is unknown or used',
              );
            log.push('token: refresh_token');
            return json(res, 200, tokens(form.get('scope') ?? ''), cors(req));
          }
          oauthError(req, res, 'unsupported_grant_type', String(form.get('grant_type')));
        });
        return;
      }
      res.writeHead(404).end();
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    authority: `${origin}/${tenant}`,
    issuer: issuer(),
    jwks: JSON.stringify({ keys: [jwk] }),
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
