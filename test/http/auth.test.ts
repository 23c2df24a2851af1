import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthConfigurationError,
  AuthenticationError,
  authMode,
  ensureLocalApiToken,
  loadTokenTable,
  parseApiTokens,
  principalFromClientPrincipal,
  resolvePrincipal,
} from '../../platform/auth';

const token = 'a-long-enough-test-token-123456789';
const headers = (values: Record<string, string>) => ({
  get: (name: string) => values[name.toLowerCase()] ?? null,
});
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'factory-auth-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('FACTORY_API_TOKENS', () => {
  test('maps a token to its tenant, roles and name', () => {
    const table = parseApiTokens(
      JSON.stringify({ [token]: { tenant: 'contoso', roles: ['Runs.Read', 'Runs.Read'], name: 'ci' } }),
    );
    expect(table.verify(token)).toEqual({ tenantId: 'contoso', roles: ['Runs.Read'], subject: 'ci' });
    expect(table.verify(`${token}x`)).toBeUndefined();
    expect(table.verify('')).toBeUndefined();
  });

  test('names the subject by a hash prefix, never by the token', () => {
    const subject = parseApiTokens(JSON.stringify({ [token]: { tenant: 't', roles: ['Runs.Read'] } })).verify(
      token,
    )!.subject;
    expect(subject).toMatch(/^token:[0-9a-f]{8}$/);
    expect(subject).not.toContain(token.slice(0, 8));
  });

  test.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /JSON object/],
    ['no tokens', '{}', /defines no tokens/],
    ['a short token', JSON.stringify({ short: { tenant: 't', roles: ['Runs.Read'] } }), /24-512 characters/],
    [
      'an unknown role',
      JSON.stringify({ [token]: { tenant: 't', roles: ['Runs.Delete'] } }),
      /entry 1: roles\.0/,
    ],
    ['no roles', JSON.stringify({ [token]: { tenant: 't', roles: [] } }), /roles/],
    ['a bad tenant', JSON.stringify({ [token]: { tenant: '../x', roles: ['Runs.Read'] } }), /tenant/],
    [
      'an unknown field',
      JSON.stringify({ [token]: { tenant: 't', roles: ['Runs.Read'], admin: true } }),
      /admin|Unrecognized/,
    ],
  ])('rejects %s with a clear error that never shows the token', (_name, raw, message) => {
    let error: unknown;
    try {
      parseApiTokens(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthConfigurationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(token);
  });
});

describe('the local token file', () => {
  test('is created once, mode 0600, and grants every role to the local tenant', () => {
    const first = ensureLocalApiToken(home, {});
    expect(first).toEqual({ source: 'file', path: join(home, 'api-token'), created: true, tenant: 'local' });
    expect(statSync(join(home, 'api-token')).mode & 0o777).toBe(0o600);
    const value = readFileSync(join(home, 'api-token'), 'utf8').trim();
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(ensureLocalApiToken(home, {})).toMatchObject({ created: false });
    expect(readFileSync(join(home, 'api-token'), 'utf8').trim()).toBe(value);
    expect(loadTokenTable({}, home).verify(value)).toEqual({
      tenantId: 'local',
      roles: ['Runs.Start', 'Runs.Read', 'Gates.Approve'],
      subject: 'local',
    });
    expect(loadTokenTable({ FACTORY_TENANT: 'team-x' }, home).verify(value)?.tenantId).toBe('team-x');
  });

  test('is not created when FACTORY_API_TOKENS is set, and the setting wins over the file', () => {
    const setting = JSON.stringify({ [token]: { tenant: 't', roles: ['Runs.Read'] } });
    expect(ensureLocalApiToken(home, { FACTORY_API_TOKENS: setting })).toEqual({ source: 'setting' });
    writeFileSync(join(home, 'api-token'), 'file-token-0000000000000000000000000');
    const table = loadTokenTable({ FACTORY_API_TOKENS: setting }, home);
    expect(table.verify('file-token-0000000000000000000000000')).toBeUndefined();
    expect(table.verify(token)?.tenantId).toBe('t');
  });

  test('a damaged token file is a configuration error', () => {
    writeFileSync(join(home, 'api-token'), 'short');
    expect(() => loadTokenTable({}, home)).toThrow(AuthConfigurationError);
  });
});

describe('resolvePrincipal', () => {
  const env = {
    FACTORY_API_TOKENS: JSON.stringify({ [token]: { tenant: 'contoso', roles: ['Runs.Start'] } }),
  };

  test('bearer tokens, case-insensitive scheme', () => {
    expect(resolvePrincipal(headers({ authorization: `bearer ${token}` }), env, home)).toMatchObject({
      tenantId: 'contoso',
      roles: ['Runs.Start'],
      source: 'token',
    });
  });

  test.each([
    ['no header', {}, false],
    ['another scheme', { authorization: `Basic ${token}` }, true],
    ['an unknown token', { authorization: 'Bearer some-other-token-000000000000000' }, true],
    ['two tokens', { authorization: `Bearer ${token} ${token}` }, true],
  ])('%s: 401', (_name, given, invalid) => {
    let error: unknown;
    try {
      resolvePrincipal(headers(given as Record<string, string>), env, home);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).invalidCredentials).toBe(invalid);
  });

  test('no tokens configured anywhere: 401 that says how to configure them', () => {
    expect(() => resolvePrincipal(headers({ authorization: `Bearer ${token}` }), {}, home)).toThrow(
      /FACTORY_API_TOKENS/,
    );
  });

  test('the App Service principal is read only in appservice mode', () => {
    const principal = encode({
      auth_typ: 'aad',
      claims: [
        { typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: 'tenant-guid-1' },
        { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'object-1' },
        { typ: 'roles', val: 'Runs.Read' },
        { typ: 'roles', val: 'Gates.Approve' },
        { typ: 'roles', val: 'Something.Else' },
      ],
    });
    const given = headers({ 'x-ms-client-principal': principal });
    expect(resolvePrincipal(given, { FACTORY_AUTH_MODE: 'appservice' }, home)).toEqual({
      tenantId: 'tenant-guid-1',
      roles: ['Runs.Read', 'Gates.Approve'],
      subject: 'object-1',
      source: 'appservice',
    });
    expect(() => resolvePrincipal(given, env, home)).toThrow(AuthenticationError);
  });
});

describe('the App Service client principal', () => {
  test('accepts the short claim names and a custom role claim type', () => {
    const principal = principalFromClientPrincipal(
      encode({
        role_typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
        claims: [
          { typ: 'tid', val: 't1' },
          { typ: 'oid', val: 'o1' },
          { typ: 'http://schemas.microsoft.com/ws/2008/06/identity/claims/role', val: 'Runs.Start' },
        ],
      }),
    );
    expect(principal).toMatchObject({ tenantId: 't1', subject: 'o1', roles: ['Runs.Start'] });
  });

  test.each([
    ['missing', null],
    ['not base64 JSON', '!!!'],
    ['no claims', encode({ auth_typ: 'aad' })],
    ['no tenant', encode({ claims: [{ typ: 'roles', val: 'Runs.Read' }] })],
    ['a bad tenant', encode({ claims: [{ typ: 'tid', val: '../../x' }] })],
    ['claims of the wrong shape', encode({ claims: [1, null, { typ: 5, val: 'x' }] })],
  ])('%s: 401', (_name, header) => {
    expect(() => principalFromClientPrincipal(header)).toThrow(AuthenticationError);
  });
});

test('FACTORY_AUTH_MODE accepts appservice and token only', () => {
  expect(authMode({})).toBe('token');
  expect(authMode({ FACTORY_AUTH_MODE: 'appservice' })).toBe('appservice');
  expect(() => authMode({ FACTORY_AUTH_MODE: 'none' })).toThrow(AuthConfigurationError);
});
