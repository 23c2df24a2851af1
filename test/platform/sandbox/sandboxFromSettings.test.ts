import { SettingsError } from '../../../platform/config';
import { ContainerAppsSessionsSandbox } from '../../../platform/sandbox/containerAppsSessionsSandbox';
import { LocalProcessSandbox } from '../../../platform/sandbox/localProcessSandbox';
import { createSandbox, readSandboxSettings } from '../../../platform/sandbox/sandboxFromSettings';
import { fakeEntraCredential } from '../../support/servers/sessionPool';

const endpoint = 'https://pool.happyhill-70162bb9.westus2.azurecontainerapps.io';

describe('sandbox selection from settings', () => {
  it('keeps the local sandbox outside Azure when no pool is set (Core Tools on a laptop included)', () => {
    expect(readSandboxSettings({})).toEqual({ kind: 'local' });
    expect(readSandboxSettings({ FUNCTIONS_WORKER_RUNTIME: 'node' })).toEqual({ kind: 'local' });
    const local = createSandbox({ FACTORY_SANDBOX: 'process' });
    expect(local).toBeInstanceOf(LocalProcessSandbox);
    expect(local.adapter).toBe('local-process');
  });

  it.each([
    ['WEBSITE_INSTANCE_ID', 'a1b2c3'],
    ['WEBSITE_SITE_NAME', 'func-abc'],
  ])('refuses to run generated code in the Functions host (%s set) without a pool', (name, value) => {
    const read = () => readSandboxSettings({ [name]: value });
    expect(read).toThrow(SettingsError);
    expect(read).toThrow(/SANDBOX_SESSION_POOL_ENDPOINT: is required inside the Functions host/);
    expect(() => createSandbox({ [name]: value })).toThrow(SettingsError);
  });

  it('chooses the session pool, with the identity client id, when the endpoint is set', () => {
    const settings = readSandboxSettings({
      SANDBOX_SESSION_POOL_ENDPOINT: `${endpoint}/`,
      AZURE_CLIENT_ID: 'app-identity',
      WEBSITE_INSTANCE_ID: 'a1b2c3',
    });
    expect(settings).toEqual({ kind: 'aca-sessions', endpoint, clientId: 'app-identity' });

    const clientIds: Array<string | undefined> = [];
    const sandbox = createSandbox({ SANDBOX_SESSION_POOL_ENDPOINT: endpoint }, (clientId) => {
      clientIds.push(clientId);
      return fakeEntraCredential();
    });
    expect(sandbox).toBeInstanceOf(ContainerAppsSessionsSandbox);
    expect(sandbox.adapter).toBe('aca-sessions');
    expect(clientIds).toEqual([undefined]);
  });

  it("knows the session image's browser only when the settings name it, as an absolute path", () => {
    expect(
      createSandbox({ SANDBOX_SESSION_POOL_ENDPOINT: endpoint }, fakeEntraCredential).browser,
    ).toBeUndefined();
    const sandbox = createSandbox(
      { SANDBOX_SESSION_POOL_ENDPOINT: endpoint, SANDBOX_SESSION_BROWSER: '/usr/lib/chromium/chromium' },
      fakeEntraCredential,
    );
    expect(sandbox.browser).toBe('/usr/lib/chromium/chromium');
    for (const value of ['chromium', '/usr/bin/chromium --remote-debugging-port=9222'])
      expect(() =>
        readSandboxSettings({ SANDBOX_SESSION_POOL_ENDPOINT: endpoint, SANDBOX_SESSION_BROWSER: value }),
      ).toThrow(/SANDBOX_SESSION_BROWSER/);
  });

  it.each([
    ['http://pool.example.azurecontainerapps.io', /must use https, got http/],
    ['pool.example.azurecontainerapps.io', /is not a URL/],
    [`${endpoint}?identifier=shared`, /must not carry a query or fragment/],
  ])('rejects the pool endpoint %s', (value, problem) => {
    expect(() => readSandboxSettings({ SANDBOX_SESSION_POOL_ENDPOINT: value })).toThrow(problem);
  });
});
