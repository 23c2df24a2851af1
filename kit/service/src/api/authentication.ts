import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import type { Actor } from '../application/ports';
import { HttpError } from './http';

/** Turns the Authorization header of a request into its actor, or refuses it. */
export type Authenticate = (authorization: string | undefined) => Promise<Actor>;

/** A request without a valid bearer token (401, with a `WWW-Authenticate` challenge). */
export class AuthenticationError extends Error {
  constructor(
    message: string,
    /** RFC 6750 error code: absent when no bearer credentials were sent at all. */
    readonly code?: 'invalid_token',
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

/** The signing algorithms accepted: Entra ID signs with RS256, the factory's local issuer with ES256. */
const algorithms = ['RS256', 'ES256'];

function setting(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function keySet(env: NodeJS.ProcessEnv): ReturnType<typeof createLocalJWKSet> {
  const inline = setting(env, 'AUTH_JWKS');
  const url = setting(env, 'AUTH_JWKS_URL');
  if (inline && url) throw new Error('set AUTH_JWKS or AUTH_JWKS_URL, not both');
  if (url) {
    const parsed = new URL(url);
    // Keys fetched over plain HTTP could be swapped on the way; loopback is the only exception (tests, proxies).
    if (parsed.protocol !== 'https:' && !['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname))
      throw new Error('AUTH_JWKS_URL must be an https:// URL');
    return createRemoteJWKSet(parsed, { cooldownDuration: 30_000, cacheMaxAge: 24 * 3600_000 });
  }
  if (!inline)
    throw new Error(
      'no token issuer is configured: set AUTH_ISSUER, AUTH_AUDIENCE and AUTH_JWKS (a JSON key set) or AUTH_JWKS_URL',
    );
  let keys: JSONWebKeySet;
  try {
    keys = JSON.parse(inline) as JSONWebKeySet;
  } catch {
    throw new Error('AUTH_JWKS is not JSON');
  }
  if (!Array.isArray(keys?.keys) || keys.keys.some((key) => 'd' in key))
    throw new Error('AUTH_JWKS must be a key set of public keys ({"keys": [...]})');
  return createLocalJWKSet(keys);
}

/** The actor a verified token names: Entra ID's object id where present (stable across apps), else `sub`. */
function actorOf(claims: JWTPayload): Actor {
  const subject = typeof claims.oid === 'string' ? claims.oid : claims.sub;
  if (!subject) throw new AuthenticationError('the token names no subject', 'invalid_token');
  const roles = Array.isArray(claims.roles)
    ? claims.roles.filter((r): r is string => typeof r === 'string')
    : [];
  return { subject, roles };
}

/**
 * Bearer authentication with JSON Web Tokens: AUTH_ISSUER and AUTH_AUDIENCE must match the token's `iss` and
 * `aud`; its signature is checked against AUTH_JWKS (the public keys, inline) or AUTH_JWKS_URL (fetched and
 * cached, as Microsoft Entra ID publishes them). A service without these settings does not start: it is never
 * open by accident.
 */
export function bearerAuthentication(env: NodeJS.ProcessEnv): Authenticate {
  const issuer = setting(env, 'AUTH_ISSUER');
  const audience = setting(env, 'AUTH_AUDIENCE');
  const keys = keySet(env);
  if (!issuer || !audience) throw new Error('AUTH_ISSUER and AUTH_AUDIENCE must be set');
  return async (authorization) => {
    // RFC 6750: no credentials, or another scheme, get a bare challenge; a malformed bearer header is a bad request.
    const scheme = /^(\S+)(?:\s+|$)/.exec(authorization?.trim() ?? '')?.[1];
    if (!authorization || scheme?.toLowerCase() !== 'bearer')
      throw new AuthenticationError('this operation needs a bearer token');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim());
    if (!match)
      throw new HttpError(400, 'Bad Request', 'the Authorization header is not a well-formed bearer token');
    try {
      const { payload } = await jwtVerify(match[1], keys, {
        issuer,
        audience,
        algorithms,
        clockTolerance: 60,
        // jose checks a lifetime only when the token states one: a token without one is refused.
        requiredClaims: ['exp'],
      });
      return actorOf(payload);
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof errors.JWTExpired)
        throw new AuthenticationError('the token has expired', 'invalid_token');
      // The issuer's keys could not be fetched (unreachable, not 200, not a key set): the caller's token may be
      // fine, so this is not their fault.
      const unreachable =
        !(error instanceof errors.JOSEError) ||
        error instanceof errors.JWKSTimeout ||
        error instanceof errors.JWKSInvalid ||
        error.code === 'ERR_JOSE_GENERIC';
      if (unreachable)
        throw new HttpError(
          503,
          'Service Unavailable',
          "the token issuer's keys cannot be fetched, retry later",
        );
      throw new AuthenticationError('the token is not valid for this service', 'invalid_token');
    }
  };
}
