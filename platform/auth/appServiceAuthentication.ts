import { AuthConfigurationError, authMode } from './principal';

/** What App Service sets in the environment of an app whose built-in authentication is on. */
export const appServiceAuthEnabledSetting = 'WEBSITE_AUTH_ENABLED';

/**
 * A server may trust `x-ms-client-principal` (`FACTORY_AUTH_MODE=appservice`) only behind App Service
 * Authentication, which strips a client-supplied copy. Anywhere else any caller could claim any tenant and role
 * with one header, so a server refuses to start in that mode unless the platform says authentication is on.
 */
export function requireAuthenticationForMode(env: NodeJS.ProcessEnv = process.env): void {
  if (authMode(env) !== 'appservice') return;
  if (env[appServiceAuthEnabledSetting]?.trim().toLowerCase() === 'true') return;
  throw new AuthConfigurationError(
    `FACTORY_AUTH_MODE=appservice trusts the x-ms-client-principal header, which only App Service Authentication ` +
      `makes trustworthy, and ${appServiceAuthEnabledSetting} is not True here: unset FACTORY_AUTH_MODE to use ` +
      `bearer tokens, or run behind App Service Authentication`,
  );
}
