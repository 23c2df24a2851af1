import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/identity';
import { productResourceProviders, registerResourceProviders } from '../../deploy/resourceProviders';
import { makeLoopbackCertificate } from '../support/servers/loopbackTls';

const subscriptionId = '00000000-0000-4000-8000-00000000abcd';
const credential: TokenCredential = {
  getToken: async () => ({ token: 'arm-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

/**
 * Resource Manager's provider operations as documented: `GET /subscriptions/{id}/providers/{namespace}` returns
 * the provider with its `registrationState`; `POST .../register` starts the registration and returns the provider.
 */
async function fakeResourceManager(states: Record<string, string>) {
  const certificate = makeLoopbackCertificate();
  const { key, cert } = certificate;
  const requests: string[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/subscriptions\/([^/]+)\/providers\/([^/?]+)(\/register)?\?api-version=[\d-]+$/.exec(
      req.url ?? '',
    );
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m || m[1] !== subscriptionId || req.headers.authorization !== 'Bearer arm-token') {
      send(400, { error: { code: 'InvalidRequest', message: `unexpected ${req.method} ${req.url}` } });
      return;
    }
    const namespace = m[2];
    if (!(namespace in states)) {
      send(404, {
        error: {
          code: 'InvalidResourceNamespace',
          message: `The resource namespace '${namespace}' is invalid.`,
        },
      });
      return;
    }
    if (m[3] && req.method === 'POST') states[namespace] = 'Registering';
    send(200, {
      id: `/subscriptions/${subscriptionId}/providers/${namespace}`,
      namespace,
      registrationState: states[namespace],
      resourceTypes: [],
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new ResourceManagementClient(credential, subscriptionId, {
    $host: url,
    endpoint: url,
    tlsOptions: { ca: readFileSync(certificate.caFile, 'utf8') },
    retryOptions: { maxRetries: 0 },
  });
  const close = () => new Promise<void>((resolve) => server.close(() => (certificate.remove(), resolve())));
  return { client, requests, states, close };
}

describe('registering the products’ resource providers', () => {
  it('registers only the providers that are not registered yet, and nothing on a second run', async () => {
    const arm = await fakeResourceManager({
      'Microsoft.App': 'Registered',
      'Microsoft.ContainerRegistry': 'NotRegistered',
      'Microsoft.DBforPostgreSQL': 'Unregistered',
      'Microsoft.ServiceBus': 'Registering',
      'Microsoft.OperationalInsights': 'Registered',
      'Microsoft.ManagedIdentity': 'Registered',
    });
    try {
      expect(await registerResourceProviders(arm.client)).toEqual([
        'Microsoft.ContainerRegistry',
        'Microsoft.DBforPostgreSQL',
      ]);
      expect(arm.requests.filter((r) => r.startsWith('POST'))).toHaveLength(2);
      expect(await registerResourceProviders(arm.client)).toEqual([]);
      expect(arm.requests.filter((r) => r.startsWith('POST'))).toHaveLength(2);
      expect(arm.requests.filter((r) => r.startsWith('GET'))).toHaveLength(
        2 * productResourceProviders.length,
      );
    } finally {
      await arm.close();
    }
  });

  it('fails with the service’s message for a namespace it does not know', async () => {
    const arm = await fakeResourceManager({});
    try {
      await expect(registerResourceProviders(arm.client, ['Microsoft.Nothing'])).rejects.toThrow(
        /Microsoft.Nothing' is invalid/,
      );
    } finally {
      await arm.close();
    }
  });
});
