import { AuthConfigurationError, requireAuthenticationForMode } from '../../../platform/auth';

describe('requireAuthenticationForMode', () => {
  test.each([
    {},
    { FACTORY_AUTH_MODE: 'token' },
    { FACTORY_AUTH_MODE: 'token', WEBSITE_AUTH_ENABLED: 'False' },
  ])('bearer tokens need no platform authentication: %j', (env) => {
    expect(() => requireAuthenticationForMode(env)).not.toThrow();
  });

  test.each(['True', 'true', ' TRUE '])('appservice mode starts when WEBSITE_AUTH_ENABLED=%j', (enabled) => {
    expect(() =>
      requireAuthenticationForMode({ FACTORY_AUTH_MODE: 'appservice', WEBSITE_AUTH_ENABLED: enabled }),
    ).not.toThrow();
  });

  test.each([undefined, 'False', '', 'yes'])(
    'appservice mode refuses to start when WEBSITE_AUTH_ENABLED=%j',
    (enabled) => {
      expect(() =>
        requireAuthenticationForMode({ FACTORY_AUTH_MODE: 'appservice', WEBSITE_AUTH_ENABLED: enabled }),
      ).toThrow(
        new AuthConfigurationError(
          'FACTORY_AUTH_MODE=appservice trusts the x-ms-client-principal header, which only App Service ' +
            'Authentication makes trustworthy, and WEBSITE_AUTH_ENABLED is not True here: unset ' +
            'FACTORY_AUTH_MODE to use bearer tokens, or run behind App Service Authentication',
        ),
      );
    },
  );

  test('an unsupported mode is a configuration error of its own', () => {
    expect(() => requireAuthenticationForMode({ FACTORY_AUTH_MODE: 'none' })).toThrow(/not supported/);
  });
});
