import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, UnsecuredJWT } from 'jose';
import { AuthenticationError, bearerAuthentication } from '../../kit/service/src/api/authentication';
import { HttpError } from '../../kit/service/src/api/http';
import { serviceEnv, tokenFor } from '../../kit/service/test/client';

const env = serviceEnv();
const authenticate = bearerAuthentication(env);

async function refusal(authorization: string | undefined): Promise<AuthenticationError> {
  try {
    await authenticate(authorization);
  } catch (error) {
    if (error instanceof AuthenticationError) return error;
    throw error;
  }
  throw new Error('the token was accepted');
}

describe('service kit: bearer authentication', () => {
  it('accepts a token of the configured issuer and audience, naming its subject and roles', async () => {
    const token = await tokenFor('ada', ['librarian', 'member']);
    expect(await authenticate(`Bearer ${token}`)).toEqual({ subject: 'ada', roles: ['librarian', 'member'] });
    expect(await authenticate(`bearer ${await tokenFor('bob')}`)).toEqual({ subject: 'bob', roles: [] });
  });

  it('refuses a missing header, another scheme, and tokens that are expired, foreign or for someone else', async () => {
    expect(await refusal(undefined)).toMatchObject({ code: undefined });
    expect(await refusal('Basic YWRhOnNlY3JldA==')).toMatchObject({ code: undefined });
    const malformed = await authenticate('Bearer not a token').catch((e: unknown) => e);
    expect(malformed).toMatchObject({ status: 400 });
    expect(await refusal('Bearer abc.def.ghi')).toMatchObject({ code: 'invalid_token' });
    expect(await refusal(`Bearer ${await tokenFor('ada', [], { expiresIn: -120 })}`)).toMatchObject({
      code: 'invalid_token',
      message: 'the token has expired',
    });
    for (const options of [
      { audience: 'api://another-service' },
      { issuer: 'https://elsewhere/' },
      { foreignKey: true },
    ])
      expect(await refusal(`Bearer ${await tokenFor('ada', ['admin'], options)}`)).toMatchObject({
        code: 'invalid_token',
      });
  });

  it('refuses a signed token that states no expiry', async () => {
    const forever = await tokenFor('ada', [], { expiresIn: null });
    expect(await refusal(`Bearer ${forever}`)).toMatchObject({ code: 'invalid_token' });
  });

  it('refuses an unsigned token claiming to be from the issuer', async () => {
    const unsigned = new UnsecuredJWT({ roles: ['admin'] })
      .setSubject('mallory')
      .setIssuer(env.AUTH_ISSUER!)
      .setAudience(env.AUTH_AUDIENCE!)
      .setExpirationTime('1h')
      .encode();
    expect(await refusal(`Bearer ${unsigned}`)).toMatchObject({ code: 'invalid_token' });
  });

  it('does not start without an issuer, an audience and public keys', () => {
    const { AUTH_JWKS, AUTH_ISSUER, AUTH_AUDIENCE } = env;
    expect(() => bearerAuthentication({})).toThrow(/no token issuer is configured/);
    expect(() => bearerAuthentication({ AUTH_JWKS, AUTH_ISSUER })).toThrow(/AUTH_AUDIENCE/);
    expect(() => bearerAuthentication({ AUTH_JWKS: '{', AUTH_ISSUER, AUTH_AUDIENCE })).toThrow(/not JSON/);
    const secret = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect(() =>
      bearerAuthentication({ AUTH_JWKS: JSON.stringify({ keys: [secret] }), AUTH_ISSUER, AUTH_AUDIENCE }),
    ).toThrow(/public keys/);
    expect(() =>
      bearerAuthentication({ AUTH_JWKS_URL: 'http://login.example/keys', AUTH_ISSUER, AUTH_AUDIENCE }),
    ).toThrow(/https/);
    expect(() =>
      bearerAuthentication({
        AUTH_JWKS,
        AUTH_JWKS_URL: 'https://login.example/keys',
        AUTH_ISSUER,
        AUTH_AUDIENCE,
      }),
    ).toThrow(/not both/);
  });

  describe('with keys fetched from a key set URL, as Microsoft Entra ID publishes them', () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const tenant = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const issuer = `https://login.microsoftonline.com/${tenant}/v2.0`;
    const audience = 'api://toolshed-loans';
    let server: Server;
    let fetches = 0;
    let url = '';

    beforeAll(async () => {
      server = createServer((req, res) => {
        if (!req.url?.endsWith('/keys')) return res.writeHead(404).end('not found');
        fetches++;
        const jwk = { ...keys.publicKey.export({ format: 'jwk' }), kid: 'entra-1', use: 'sig' };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [jwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/${tenant}/discovery/v2.0/keys`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const entraToken = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'entra-1', typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject('pairwise-subject')
        .setExpirationTime('1h')
        .sign(keys.privateKey);

    it('names the caller by its object id and keeps only the string roles; the keys are fetched once', async () => {
      const entra = bearerAuthentication({
        AUTH_JWKS_URL: url,
        AUTH_ISSUER: issuer,
        AUTH_AUDIENCE: audience,
      });
      const token = await entraToken({ oid: 'a1b2c3', tid: tenant, roles: ['Approver', 42] });
      expect(await entra(`Bearer ${token}`)).toEqual({ subject: 'a1b2c3', roles: ['Approver'] });
      expect(await entra(`Bearer ${await entraToken({ roles: 'Approver' })}`)).toEqual({
        subject: 'pairwise-subject',
        roles: [],
      });
      expect(fetches).toBe(1);
    });

    it("answers 503, not 401, when the issuer's keys cannot be fetched", async () => {
      const settings = { AUTH_ISSUER: issuer, AUTH_AUDIENCE: audience };
      const token = `Bearer ${await entraToken({ oid: 'a1b2c3' })}`;
      for (const AUTH_JWKS_URL of [`${url.replace(/\/keys$/, '')}/missing`, 'http://127.0.0.1:1/keys']) {
        const failing = bearerAuthentication({ ...settings, AUTH_JWKS_URL });
        const error = await failing(token).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HttpError);
        expect((error as HttpError).status).toBe(503);
      }
    });
  });
});
