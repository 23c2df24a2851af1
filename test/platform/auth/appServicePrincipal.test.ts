import { AuthenticationError, principalFromClientPrincipal } from '../../../platform/auth';

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const tid = { typ: 'tid', val: 'tenant-1' };

/** The authentication error the header is refused with. */
function refusal(header: string | null): AuthenticationError {
  try {
    principalFromClientPrincipal(header);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthenticationError);
    return error as AuthenticationError;
  }
  throw new Error('expected the client principal to be refused');
}

describe('the subject', () => {
  test.each([
    [
      'the object id claim',
      [{ typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'o1' }],
    ],
    ['oid', [{ typ: 'oid', val: 'o1' }]],
    ['sub', [{ typ: 'sub', val: 'o1' }]],
    ['name', [{ typ: 'name', val: 'o1' }]],
    ['preferred_username', [{ typ: 'preferred_username', val: 'o1' }]],
    [
      'the first identifier before a name',
      [
        { typ: 'name', val: 'n' },
        { typ: 'sub', val: 'o1' },
      ],
    ],
  ])('comes from %s', (_name, claims) => {
    expect(principalFromClientPrincipal(encode({ claims: [tid, ...claims] })).subject).toBe('o1');
  });

  test('is "unknown" without any identifying claim, and at most 200 characters', () => {
    expect(principalFromClientPrincipal(encode({ claims: [tid, { typ: 'email', val: 'x' }] })).subject).toBe(
      'unknown',
    );
    const long = principalFromClientPrincipal(
      encode({ claims: [tid, { typ: 'oid', val: 'o'.repeat(300) }] }),
    );
    expect(long.subject).toBe('o'.repeat(200));
  });
});

test('roles come from the roles claim and the role_typ claim, known app roles only, each once', () => {
  const principal = principalFromClientPrincipal(
    encode({
      role_typ: 'custom-role',
      claims: [
        tid,
        { typ: 'roles', val: 'Runs.Read' },
        { typ: 'custom-role', val: 'Gates.Approve' },
        { typ: 'custom-role', val: 'Runs.Read' },
        { typ: 'roles', val: 'Runs.Delete' },
        { typ: 'name', val: 'Runs.Start' },
        { typ: '', val: 'Runs.Start' },
      ],
    }),
  );
  expect(principal).toEqual({
    tenantId: 'tenant-1',
    roles: ['Runs.Read', 'Gates.Approve'],
    subject: 'Runs.Start',
    source: 'appservice',
  });
});

test('claims of the wrong shape are skipped, not fatal', () => {
  const principal = principalFromClientPrincipal(
    encode({
      claims: [null, 5, 'tid', { typ: 'tid', val: 7 }, { typ: 'oid' }, tid, { typ: 'oid', val: 'o1' }],
    }),
  );
  expect(principal).toMatchObject({ tenantId: 'tenant-1', subject: 'o1', roles: [] });
});

test('a header of 16 KiB is read; a longer one is refused before decoding', () => {
  const claims = (filler: number) => ({
    claims: [tid, { typ: 'oid', val: 'o1' }, { typ: 'x', val: 'f'.repeat(filler) }],
  });
  const base = JSON.stringify(claims(0)).length;
  const exact = encode(claims(12 * 1024 - base));
  expect(exact).toHaveLength(16 * 1024);
  expect(principalFromClientPrincipal(exact).subject).toBe('o1');
  const error = refusal(encode(claims(12 * 1024 - base + 3)));
  expect([error.message, error.invalidCredentials]).toEqual(['the client principal is too large', true]);
});

test.each([
  [
    'no header',
    null,
    'no authenticated caller: sign in with Entra ID and send a bearer token for the API',
    false,
  ],
  ['not base64 JSON', '!!!', 'the client principal is not base64-encoded JSON', true],
  ['null', encode(null), 'the client principal has no claims', true],
  ['a number', encode(5), 'the client principal has no claims', true],
  ['claims that are no list', encode({ claims: { typ: 'tid' } }), 'the client principal has no claims', true],
  [
    'no tenant claim',
    encode({ claims: [{ typ: 'oid', val: 'o' }] }),
    'the caller has no valid tenant id claim (tid)',
    true,
  ],
  [
    'a bad tenant',
    encode({ claims: [{ typ: 'tid', val: '../x' }] }),
    'the caller has no valid tenant id claim (tid)',
    true,
  ],
])('%s is refused with a clear 401', (_name, header, message, invalid) => {
  const error = refusal(header);
  expect([error.message, error.invalidCredentials]).toEqual([message, invalid]);
});
