import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { ArmDeploymentTarget, deploymentName } from '../../../platform/deployment';

interface Stored {
  name: string;
  tags: Record<string, string>;
  properties: Record<string, unknown> & { provisioningState: string };
  polls: number;
}

/**
 * A fake Azure Resource Manager on loopback: PUT accepts a deployment (Accepted, then Running, then a terminal
 * state on later GETs), GET lists and reads, POST exportTemplate returns the template. It checks the bearer
 * token and the api-version like ARM does.
 */
function fakeArm(options: { fail?: (name: string) => string | undefined; serviceUrl: () => string }) {
  const deployments = new Map<string, Stored>();
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://arm');
      requests.push(`${req.method} ${url.pathname}`);
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.headers.authorization !== 'Bearer fake-token')
        return send(401, { error: { code: 'AuthenticationFailed', message: 'no token' } });
      if (url.searchParams.get('api-version') !== '2021-04-01')
        return send(400, { error: { code: 'MissingApiVersionParameter', message: 'api-version' } });
      const match =
        /^\/subscriptions\/[^/]+\/resourcegroups\/rg-test\/providers\/Microsoft\.Resources\/deployments(?:\/([^/]+))?(\/exportTemplate)?$/.exec(
          url.pathname,
        );
      if (!match) return send(404, { error: { code: 'NotFound', message: url.pathname } });
      const [, name, exportTemplate] = match;
      if (!name && req.method === 'GET')
        return send(200, { value: [...deployments.values()].map(({ polls: _p, ...d }) => d) });
      const stored = name ? deployments.get(decodeURIComponent(name)) : undefined;
      if (req.method === 'PUT' && name) {
        const body = JSON.parse(raw) as { properties: Record<string, unknown>; tags: Record<string, string> };
        if (!body.properties.template)
          return send(400, { error: { code: 'InvalidTemplate', message: 'template missing' } });
        deployments.set(decodeURIComponent(name), {
          name: decodeURIComponent(name),
          tags: body.tags,
          properties: { ...body.properties, provisioningState: 'Accepted' },
          polls: 0,
        });
        return send(201, { name, properties: { provisioningState: 'Accepted' } });
      }
      if (!stored) return send(404, { error: { code: 'DeploymentNotFound', message: name } });
      if (req.method === 'POST' && exportTemplate) return send(200, { template: stored.properties.template });
      if (req.method === 'GET') {
        stored.polls++;
        if (
          stored.properties.provisioningState === 'Accepted' ||
          stored.properties.provisioningState === 'Running'
        ) {
          if (stored.polls === 1) stored.properties.provisioningState = 'Running';
          else {
            const failure = options.fail?.(stored.name);
            stored.properties.provisioningState = failure ? 'Failed' : 'Succeeded';
            stored.properties.timestamp = new Date(Date.now() + deployments.size).toISOString();
            if (failure) stored.properties.error = { code: 'DeploymentFailed', message: failure };
            else
              stored.properties.outputs = {
                SERVICE_URLS: { type: 'Array', value: [{ service: 'items', url: options.serviceUrl() }] },
              };
          }
        }
        const { polls: _p, ...visible } = stored;
        return send(200, visible);
      }
      send(405, { error: { code: 'MethodNotAllowed', message: req.method } });
    });
  });
  return { server, deployments, requests };
}

const credential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: 'fake-token',
    expiresOnTimestamp: Date.now() + 3600_000,
  }),
};

describe('ARM deployment target (fake Resource Manager on loopback)', () => {
  let healthStatus = 200;
  const product = createServer((req, res) => {
    res.writeHead(req.url === '/health' ? healthStatus : 200);
    res.end('{}');
  });
  let failNext: string | undefined;
  const arm = fakeArm({
    fail: () => failNext,
    serviceUrl: () => `http://127.0.0.1:${(product.address() as AddressInfo).port}`,
  });
  let target: ArmDeploymentTarget;
  const template = {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    resources: [],
  };
  const request = (version: string) => ({
    tenantId: 'test',
    runId: 'run-arm',
    version,
    archive: Buffer.alloc(0),
    services: ['items'],
    smoke: [{ service: 'items', method: 'GET' as const, path: '/v1/items', expect: [200] }],
    infrastructure: { template, parameters: { environmentName: 'prod' } },
  });

  beforeAll(async () => {
    await new Promise<void>((r) => product.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => arm.server.listen(0, '127.0.0.1', r));
    target = new ArmDeploymentTarget({
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-test',
      credential,
      endpoint: `http://127.0.0.1:${(arm.server.address() as AddressInfo).port}`,
      pollIntervalMs: 10,
    });
  });
  afterAll(async () => {
    await new Promise((r) => arm.server.close(r));
    await new Promise((r) => product.close(r));
  });

  it('PUTs the deployment, polls it to Succeeded and checks the output URLs', async () => {
    const outcome = await target.deploy(request('1.0.0'));
    expect(outcome).toMatchObject({
      adapter: 'azure-arm',
      status: 'deployed',
      services: [{ service: 'items' }],
    });
    expect(outcome.health[0].passed).toBe(true);
    const stored = arm.deployments.get(deploymentName('run-arm', '1.0.0'))!;
    expect(stored.properties.mode).toBe('Incremental');
    expect(stored.properties.parameters).toEqual({ environmentName: { value: 'prod' } });
    expect(stored.properties.onErrorDeployment).toBeUndefined();
    expect(arm.requests).toContain(
      `PUT /subscriptions/00000000-0000-0000-0000-000000000001/resourcegroups/rg-test/providers/Microsoft.Resources/deployments/${deploymentName('run-arm', '1.0.0')}`,
    );
    expect((await target.current('test', 'run-arm'))?.version).toBe('1.0.0');
  });

  it('asks ARM to fall back to the last successful deployment when a deployment fails', async () => {
    failNext = 'quota exceeded';
    const outcome = await target.deploy(request('1.1.0'));
    failNext = undefined;
    expect(outcome).toMatchObject({
      status: 'rolled-back',
      rollback: { reason: 'quota exceeded', restored: '1.0.0' },
    });
    expect(arm.deployments.get(deploymentName('run-arm', '1.1.0'))!.properties.onErrorDeployment).toEqual({
      type: 'LastSuccessful',
    });
  });

  it('redeploys the previous template when the new version fails its health check', async () => {
    healthStatus = 503;
    const outcome = await target.deploy(request('1.2.0'));
    healthStatus = 200;
    expect(outcome.status).toBe('rolled-back');
    expect(outcome.health[0]).toMatchObject({ passed: false, status: 503 });
    expect(outcome.rollback?.restored).toBe('1.0.0');
    expect(arm.requests.some((r) => r.endsWith(`${deploymentName('run-arm', '1.0.0')}/exportTemplate`))).toBe(
      true,
    );
    expect(arm.deployments.has(`${deploymentName('run-arm', '1.0.0')}-restore`)).toBe(true);
  });

  it('says plainly what it needs and what it does not automate', async () => {
    await expect(target.deploy({ ...request('2.0.0'), infrastructure: undefined })).rejects.toThrow(
      /compiled ARM template/,
    );
    await expect(target.undeploy()).rejects.toThrow(/delete resource group 'rg-test'/);
    expect(
      () => new ArmDeploymentTarget({ subscriptionId: 'nope', resourceGroup: 'rg', credential }),
    ).toThrow(/not a GUID/);
  });

  it('reports ARM errors with their code', async () => {
    const bad = new ArmDeploymentTarget({
      subscriptionId: '00000000-0000-0000-0000-000000000001',
      resourceGroup: 'rg-test',
      credential: { getToken: async () => ({ token: 'wrong', expiresOnTimestamp: 0 }) },
      endpoint: `http://127.0.0.1:${(arm.server.address() as AddressInfo).port}`,
    });
    await expect(bad.current('test', 'run-arm')).rejects.toThrow(/answered 401: AuthenticationFailed/);
  });
});
