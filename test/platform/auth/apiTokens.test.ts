import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AuthConfigurationError,
  ensureLocalApiToken,
  loadTokenTable,
  localTokenTenant,
  parseApiTokens,
} from '../../../platform/auth';

const token = 'a-long-enough-test-token-123456789';
const grant = { tenant: 'contoso', roles: ['Runs.Read'] };
const setting = (tokens: Record<string, unknown>) => JSON.stringify(tokens);

/** The configuration error `run` throws; fails the test when it throws anything else or nothing. */
function configurationError(run: () => unknown): AuthConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AuthConfigurationError);
    return error as AuthConfigurationError;
  }
  throw new Error('expected an AuthConfigurationError');
}

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'factory-tokens-'));
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('the token format', () => {
  test.each([
    ['24 characters, the shortest', 'a'.repeat(24)],
    ['512 characters, the longest', 'b'.repeat(512)],
    ['every allowed character', 'AZaz09-._~+/AZaz09-._~+/'],
    ['base64 padding', `${'c'.repeat(24)}==`],
  ])('accepts %s', (_name, value) => {
    expect(parseApiTokens(setting({ [value]: grant })).verify(value)).toEqual({
      tenantId: 'contoso',
      roles: ['Runs.Read'],
      subject: expect.stringMatching(/^token:/),
    });
  });

  test.each([
    ['23 characters', 'a'.repeat(23)],
    ['513 characters', 'b'.repeat(513)],
    ['a character before valid ones', `!${'a'.repeat(24)}`],
    ['a character after valid ones', `${'a'.repeat(24)}!`],
    ['a space inside', `${'a'.repeat(12)} ${'a'.repeat(12)}`],
    ['padding in the middle', `${'a'.repeat(12)}=${'a'.repeat(12)}`],
    ['a line break after it', `${'a'.repeat(24)}\n`],
  ])('rejects %s, naming the entry but never the token', (_name, value) => {
    const error = configurationError(() => parseApiTokens(setting({ [token]: grant, [value]: grant })));
    expect(error.message).toBe(
      'FACTORY_API_TOKENS entry 2: the token must be 24-512 characters of A-Z a-z 0-9 - . _ ~ + / (then optional =)',
    );
  });
});

describe('FACTORY_API_TOKENS grants', () => {
  test('a name of 1 to 100 characters labels the caller', () => {
    const table = parseApiTokens(
      setting({ [token]: { ...grant, name: 'x' }, ['t'.repeat(30)]: { ...grant, name: 'n'.repeat(100) } }),
    );
    expect(table.size).toBe(2);
    expect(table.verify(token)?.subject).toBe('x');
    expect(table.verify('t'.repeat(30))?.subject).toBe('n'.repeat(100));
  });

  test.each([
    ['an empty name', { ...grant, name: '' }, /^FACTORY_API_TOKENS entry 1: name: /],
    ['a name of 101 characters', { ...grant, name: 'n'.repeat(101) }, /^FACTORY_API_TOKENS entry 1: name: /],
    ['a grant that is not an object', 5, /^FACTORY_API_TOKENS entry 1: \(grant\): /],
    ['a tenant with ..', { ...grant, tenant: 'a..b' }, /tenant: must be 1-128 letters, digits/],
  ])('rejects %s', (_name, value, message) => {
    expect(configurationError(() => parseApiTokens(setting({ [token]: value }))).message).toMatch(message);
  });

  test('lists every problem of an entry', () => {
    const error = configurationError(() => parseApiTokens(setting({ [token]: { tenant: '', roles: [] } })));
    expect(error.message).toMatch(/^FACTORY_API_TOKENS entry 1: tenant: .+; roles: .+$/);
  });

  test.each([
    ['null', 'null'],
    ['a string', '"token"'],
    ['a number', '42'],
  ])('refuses %s where the object belongs', (_name, raw) => {
    expect(configurationError(() => parseApiTokens(raw)).message).toBe(
      'FACTORY_API_TOKENS must be a JSON object from token to {tenant, roles, name?}',
    );
  });

  test('each token gets its own grant, roles in the given order', () => {
    const table = parseApiTokens(
      setting({
        [token]: { tenant: 'a', roles: ['Gates.Approve', 'Runs.Read'] },
        ['z'.repeat(24)]: { tenant: 'b', roles: ['Runs.Start'] },
      }),
    );
    expect(table.source).toBe('FACTORY_API_TOKENS');
    expect(table.verify(token)).toMatchObject({ tenantId: 'a', roles: ['Gates.Approve', 'Runs.Read'] });
    expect(table.verify('z'.repeat(24))).toMatchObject({ tenantId: 'b', roles: ['Runs.Start'] });
  });

  test('a verified grant is a copy: changing it changes nothing stored', () => {
    const table = parseApiTokens(setting({ [token]: grant }));
    table.verify(token)!.roles.push('Gates.Approve');
    expect(table.verify(token)!.roles).toEqual(['Runs.Read']);
  });
});

describe('loadTokenTable', () => {
  const file = () => join(home, 'api-token');

  test('reads the setting again when it changes', () => {
    const first = loadTokenTable({ FACTORY_API_TOKENS: setting({ [token]: grant }) }, home);
    expect(first.verify(token)?.tenantId).toBe('contoso');
    const other = 'o'.repeat(24);
    const second = loadTokenTable(
      { FACTORY_API_TOKENS: setting({ [other]: { ...grant, tenant: 't2' } }) },
      home,
    );
    expect(second.verify(token)).toBeUndefined();
    expect(second.verify(other)?.tenantId).toBe('t2');
  });

  test('a blank setting falls back to the token file', () => {
    writeFileSync(file(), `${token}\n`);
    const table = loadTokenTable({ FACTORY_API_TOKENS: '  ' }, home);
    expect(table.source).toBe(file());
    expect(table.verify(token)).toEqual({
      tenantId: 'local',
      roles: ['Runs.Start', 'Runs.Read', 'Gates.Approve'],
      subject: 'local',
    });
  });

  test('reads the token file again when it is replaced', () => {
    writeFileSync(file(), token);
    expect(loadTokenTable({}, home).verify(token)).toBeDefined();
    const replacement = 'r'.repeat(40);
    writeFileSync(file(), replacement);
    const table = loadTokenTable({}, home);
    expect(table.verify(token)).toBeUndefined();
    expect(table.verify(replacement)?.subject).toBe('local');
  });

  test('no token file means no tokens: requests are refused as unauthenticated, not as misconfigured', () => {
    const table = loadTokenTable({}, home);
    expect([table.size, table.source]).toEqual([0, 'none']);
    expect(table.verify(token)).toBeUndefined();
  });

  test('an unreadable token file is a configuration error naming the file', () => {
    mkdirSync(file());
    expect(configurationError(() => loadTokenTable({}, home)).message).toBe(
      `cannot read the API token file ${file()}: EISDIR`,
    );
  });

  test.each([
    ['empty', ''],
    ['blank', ' \n'],
    ['too short', 'short'],
    ['two tokens', `${token}\n${token}`],
    ['a token with a space', `${'a'.repeat(12)} ${'a'.repeat(12)}`],
  ])('a token file that is %s is a configuration error naming the file', (_name, content) => {
    writeFileSync(file(), content);
    expect(configurationError(() => loadTokenTable({}, home)).message).toBe(
      `the API token file ${file()} does not hold a valid token`,
    );
  });

  test.each(['../x', 'a..b', '-starts-with-dash'])('FACTORY_TENANT=%j is a configuration error', (tenant) => {
    writeFileSync(file(), token);
    expect(configurationError(() => loadTokenTable({ FACTORY_TENANT: tenant }, home)).message).toBe(
      `FACTORY_TENANT=${JSON.stringify(tenant)} is not a valid tenant id`,
    );
  });

  test('FACTORY_TENANT is trimmed, and blank means local', () => {
    expect(localTokenTenant({ FACTORY_TENANT: ' team-x ' })).toBe('team-x');
    expect(localTokenTenant({ FACTORY_TENANT: '  ' })).toBe('local');
    expect(localTokenTenant({})).toBe('local');
  });
});

describe('ensureLocalApiToken', () => {
  test('a blank setting does not count: the token file is created', () => {
    expect(ensureLocalApiToken(home, { FACTORY_API_TOKENS: ' ', FACTORY_TENANT: 'team-x' })).toEqual({
      source: 'file',
      path: join(home, 'api-token'),
      created: true,
      tenant: 'team-x',
    });
    expect(statSync(join(home, 'api-token')).size).toBe(44);
  });

  test('creates FACTORY_HOME when it does not exist yet', () => {
    const nested = join(home, 'a', 'b');
    expect(ensureLocalApiToken(nested, {})).toMatchObject({ created: true });
    expect(loadTokenTable({}, nested).size).toBe(1);
  });

  test('refuses a malformed setting before the server starts', () => {
    expect(configurationError(() => ensureLocalApiToken(home, { FACTORY_API_TOKENS: '{' })).message).toMatch(
      /^FACTORY_API_TOKENS is not valid JSON: /,
    );
  });
});
