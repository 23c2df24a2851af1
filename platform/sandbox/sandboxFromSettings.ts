import type { TokenCredential } from '@azure/identity';
import { SettingsError } from '../config';
import { localSandbox } from './localSandbox';
import type { Sandbox } from '../../core/ports/sandbox';

type Env = Record<string, string | undefined>;

export const sessionPoolSetting = 'SANDBOX_SESSION_POOL_ENDPOINT';
/** Where the session image has Chromium (phase 3 opens the product's clients in it); unset: it has none. */
export const sessionBrowserSetting = 'SANDBOX_SESSION_BROWSER';

export type SandboxSettings =
  { kind: 'local' } | { kind: 'aca-sessions'; endpoint: string; clientId?: string; browser?: string };

/**
 * Variables App Service sets on every instance of a hosted app: any one of them means Azure. (Not
 * FUNCTIONS_WORKER_RUNTIME: Core Tools set it on a laptop too, where namespaces confine generated code.)
 */
const functionsHostSignals = ['WEBSITE_INSTANCE_ID', 'WEBSITE_SITE_NAME'];

function insideFunctionsHost(env: Env): boolean {
  return functionsHostSignals.some((name) => Boolean(env[name]?.trim()));
}

/**
 * Which sandbox runs generated code (docs/adr/0033): a Container Apps session pool when its management
 * endpoint is set; otherwise the local sandbox (`localSandbox`), except inside the Functions host, where generated
 * code would run next to the app's managed-identity endpoint and settings, so a missing pool is an error.
 */
export function readSandboxSettings(env: Env): SandboxSettings {
  const endpoint = env[sessionPoolSetting]?.trim();
  if (!endpoint) {
    if (insideFunctionsHost(env)) {
      throw new SettingsError(
        sessionPoolSetting,
        'is required inside the Functions host: generated code never runs in the worker; set it to the session pool management endpoint',
      );
    }
    return { kind: 'local' };
  }
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SettingsError(sessionPoolSetting, 'is not a URL');
  }
  if (url.protocol !== 'https:') {
    throw new SettingsError(sessionPoolSetting, `must use https, got ${url.protocol.replace(':', '')}`);
  }
  if (url.search || url.hash) {
    throw new SettingsError(sessionPoolSetting, 'must not carry a query or fragment');
  }
  const clientId = env.AZURE_CLIENT_ID?.trim() || undefined;
  const browser = env[sessionBrowserSetting]?.trim() || undefined;
  if (browser && !/^\/[\w./-]+$/.test(browser))
    throw new SettingsError(sessionBrowserSetting, 'must be an absolute path inside the session image');
  return {
    kind: 'aca-sessions',
    endpoint: url.href.replace(/\/+$/, ''),
    ...(clientId ? { clientId } : {}),
    ...(browser ? { browser } : {}),
  };
}

/** The adapter for these settings; the identity library and the sessions adapter load only when used. */
export function createSandbox(
  env: Env,
  credential: (clientId?: string) => TokenCredential = (clientId) => {
    const { DefaultAzureCredential } = require('@azure/identity') as typeof import('@azure/identity');
    return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  },
): Sandbox {
  const settings = readSandboxSettings(env);
  if (settings.kind === 'local') return localSandbox(env);
  const { ContainerAppsSessionsSandbox } =
    require('./containerAppsSessionsSandbox') as typeof import('./containerAppsSessionsSandbox');
  return new ContainerAppsSessionsSandbox({
    endpoint: settings.endpoint,
    credential: credential(settings.clientId),
    browser: settings.browser,
  });
}
