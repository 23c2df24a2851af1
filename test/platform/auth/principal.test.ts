import {
  AuthConfigurationError,
  AuthenticationError,
  authMode,
  hasRole,
  isValidTenantId,
} from '../../../platform/auth';

test('the errors say what they are, for logs and problem mapping', () => {
  const rejected = new AuthenticationError('no', true);
  expect([rejected.name, rejected.message, rejected.invalidCredentials]).toEqual([
    'AuthenticationError',
    'no',
    true,
  ]);
  expect(new AuthenticationError('missing').invalidCredentials).toBe(false);
  expect(new AuthConfigurationError('bad').name).toBe('AuthConfigurationError');
});

describe('FACTORY_AUTH_MODE', () => {
  test.each([
    [undefined, 'token'],
    ['', 'token'],
    ['token', 'token'],
    [' token ', 'token'],
    ['appservice', 'appservice'],
    [' appservice\n', 'appservice'],
  ])('%j is %s', (value, mode) => {
    expect(authMode({ FACTORY_AUTH_MODE: value })).toBe(mode);
  });

  test.each(['none', 'AppService', 'tokens'])('%j is a configuration error that names the value', (value) => {
    expect(() => authMode({ FACTORY_AUTH_MODE: value })).toThrow(
      new AuthConfigurationError(
        `FACTORY_AUTH_MODE=${JSON.stringify(value)} is not supported: use appservice or token`,
      ),
    );
  });
});

describe('tenant ids', () => {
  test.each(['a', 'A1', 'contoso.eu', 'tenant_1:x-y', `a${'b'.repeat(127)}`])('%j is valid', (id) => {
    expect(isValidTenantId(id)).toBe(true);
  });

  test.each([
    ['empty', ''],
    ['129 characters', 'a'.repeat(129)],
    ['a leading dash', '-a'],
    ['a leading slash', '/a'],
    ['a trailing slash', 'a/'],
    ['a dot-dot', 'a..b'],
    ['not a string', 42],
  ])('%s is invalid', (_name, id) => {
    expect(isValidTenantId(id)).toBe(false);
  });
});

test('hasRole looks at the granted roles only', () => {
  const principal = { tenantId: 't', roles: ['Runs.Read' as const], subject: 's', source: 'token' as const };
  expect(hasRole(principal, 'Runs.Read')).toBe(true);
  expect(hasRole(principal, 'Runs.Start')).toBe(false);
});
