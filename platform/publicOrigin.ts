import { SettingsError } from './config';

/** The scheme, host and port clients reach the API at, for `Location` headers and links. */
export const publicOriginSetting = 'FACTORY_PUBLIC_ORIGIN';

/**
 * `FACTORY_PUBLIC_ORIGIN` as an origin (`https://factory.example.org`), or undefined when unset. Links are built
 * from it rather than from the request's Host header, which the client chooses: a forged Host would otherwise
 * put the attacker's server into the `Location` a client follows with its token.
 */
export function publicOrigin(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[publicOriginSetting]?.trim();
  if (!value) return undefined;
  const problem =
    'must be an http(s) origin such as https://factory.example.org (no path, query or credentials)';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingsError(publicOriginSetting, problem);
  }
  if (
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username ||
    url.password ||
    url.pathname !== '/' ||
    url.search ||
    url.hash ||
    value.includes('?') ||
    value.includes('#')
  ) {
    throw new SettingsError(publicOriginSetting, problem);
  }
  return url.origin;
}
