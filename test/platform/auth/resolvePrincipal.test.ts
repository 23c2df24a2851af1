import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authenticationProblem } from '../../../local/requestPrincipal';
import {
  AuthConfigurationError,
  AuthenticationError,
  bearerChallenge,
  resolvePrincipal,
} from '../../../platform/auth';

const token = 'resolve-principal-token-0123456789';
const env = { FACTORY_API_TOKENS: JSON.stringify({ [token]: { tenant: 'contoso', roles: ['Runs.Read'] } }) };
const headers = (authorization?: string) => ({
  get: (name: string) => (name.toLowerCase() === 'authorization' ? (authorization ?? null) : null),
});

/** The error `resolvePrincipal` throws for these headers. */
function failure(authorization: string | undefined, given: NodeJS.ProcessEnv = env): unknown {
  try {
    resolvePrincipal(headers(authorization), given, home);
  } catch (error) {
    return error;
  }
  throw new Error('expected resolvePrincipal to fail');
}

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'factory-principal-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

test.each([
  ['two spaces after the scheme', `Bearer  ${token}`],
  ['trailing whitespace', `Bearer ${token} \t`],
  ['an upper-case scheme', `BEARER ${token}`],
])('accepts a bearer token with %s', (_name, authorization) => {
  expect(resolvePrincipal(headers(authorization), env, home)).toEqual({
    tenantId: 'contoso',
    roles: ['Runs.Read'],
    subject: expect.stringMatching(/^token:/),
    source: 'token',
  });
});

test('without credentials: 401 that says what to send, with a bare challenge', () => {
  const error = failure(undefined) as AuthenticationError;
  expect(error).toEqual(new AuthenticationError('missing credentials: send Authorization: Bearer <token>'));
  expect(error.invalidCredentials).toBe(false);
  expect(bearerChallenge(error)).toBe('Bearer realm="software-factory"');
});

test.each([
  ['text before the scheme', `Token Bearer ${token}`],
  ['no space after the scheme', `Bearer${token}`],
  ['text after the token', `Bearer ${token} extra`],
])('a header with %s is malformed credentials', (_name, authorization) => {
  const error = failure(authorization) as AuthenticationError;
  expect(error).toEqual(new AuthenticationError('the Authorization header must be "Bearer <token>"', true));
  expect(error.invalidCredentials).toBe(true);
  expect(bearerChallenge(error)).toBe('Bearer realm="software-factory", error="invalid_token"');
});

test('an unknown token is an invalid token', () => {
  const error = failure(`Bearer ${'u'.repeat(30)}`) as AuthenticationError;
  expect([error.message, error.invalidCredentials]).toEqual(['the bearer token is not valid', true]);
});

test('with no token configured anywhere, a presented token is invalid and the answer says how to configure one', () => {
  const error = failure(`Bearer ${token}`, {}) as AuthenticationError;
  expect(error).toBeInstanceOf(AuthenticationError);
  expect(error.invalidCredentials).toBe(true);
  expect(error.message).toBe(
    'no API tokens are configured: set FACTORY_API_TOKENS or run `factory serve` once to create FACTORY_HOME/api-token',
  );
  expect(authenticationProblem(error)?.problem.status).toBe(401);
});

test('an unreadable token file answers 500 server-configuration, not 401', () => {
  mkdirSync(join(home, 'api-token'));
  const error = failure(`Bearer ${token}`, {});
  expect(error).toBeInstanceOf(AuthConfigurationError);
  expect(authenticationProblem(error)).toMatchObject({
    problem: { status: 500, type: 'urn:software-factory:problem:server-configuration' },
  });
});

test('a damaged token file answers 500 server-configuration, also to a request without credentials', () => {
  writeFileSync(join(home, 'api-token'), 'short');
  const error = failure(undefined, {});
  expect(error).toBeInstanceOf(AuthConfigurationError);
  expect(authenticationProblem(error)?.problem.status).toBe(500);
});
