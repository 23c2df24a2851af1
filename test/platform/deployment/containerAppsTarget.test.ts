import {
  buildOf,
  ContainerAppsTarget,
  productInstance,
  createDeploymentTarget,
  type DeployRequest,
} from '../../../platform/deployment';
import { writeTarGz } from '../../../platform/deployment/tarball';
import { serviceDockerfileEntry } from '../../../toolchain/release/serviceDockerfile';
import { gatewayDockerfilePath } from '../../../core/ports/deploymentTarget';
import { fakeAppName, milestones, startFakeArm, type FakeArm } from '../../support/servers/fakeArm';
import { fakeEntraCredential } from '../../support/servers/sessionPool';
import { FakeGraph } from '../../support/fakeGraph';
import { GraphClient } from '../../../platform/identity/graphClient';

const subscriptionId = '00000000-1111-2222-3333-444444444444';
const resourceGroup = 'rg-tool-library';
const product = 'tool-library';
const services = ['members', 'tools'];

function release(version: string, code = 'export {};\n', gateway = false): Buffer {
  return writeTarGz([
    ...(gateway
      ? [
          { path: gatewayDockerfilePath, content: Buffer.from('FROM node:22-slim\n') },
          { path: 'web/index.html', content: Buffer.from('<!doctype html>') },
        ]
      : []),
    { path: 'release-manifest.json', content: Buffer.from(JSON.stringify({ product, version, services })) },
    serviceDockerfileEntry(),
    ...services.flatMap((s) => [
      { path: `services/${s}/package.json`, content: Buffer.from(JSON.stringify({ name: s, version })) },
      { path: `services/${s}/src/main.ts`, content: Buffer.from(code) },
    ]),
    { path: 'infra/main.bicep', content: Buffer.from("targetScope = 'resourceGroup'\n") },
  ]);
}

/** The container app of a service in this run's product instance. */
const app = (service: string) => fakeAppName(service, productInstance('tenant-a', 'run-42'));
/** The revision of `app` running the release of `version` (its suffix names the build). */
const revision = (app: string, version: string) =>
  `${app}--v${version.replace(/\./g, '-')}-${buildOf(release(version))}`;
/** The image of a service built from the release of `version`. */
const image = (service: string, version: string) =>
  `${product}-${service}:${version}-${buildOf(release(version))}`;

function request(version: string): DeployRequest {
  return {
    tenantId: 'tenant-a',
    runId: 'run-42',
    version,
    archive: release(version),
    services,
    smoke: [{ service: 'tools', method: 'GET', path: '/tools', expect: [200] }],
    infrastructure: {
      template: {
        $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
        resources: [],
      },
      parameters: { environmentName: 'prod', services, imageTag: 'stable' },
    },
    healthTimeoutMs: 100,
    roles: [{ value: 'Coordinator', description: "Asked for by the product's rules tool-rule-1" }],
  };
}

describe('Container Apps deployment target (fake Resource Manager on loopback)', () => {
  let fake: FakeArm;
  const unhealthy = new Set<string>();
  const failedBuilds = new Set<string>();
  let target: ContainerAppsTarget;
  let graph: FakeGraph;

  beforeEach(async () => {
    graph = await FakeGraph.start();
    unhealthy.clear();
    failedBuilds.clear();
    fake = await startFakeArm({
      subscriptionId,
      resourceGroup,
      product,
      healthy: (revision) => !unhealthy.has(revision),
      buildStatus: (image) => (failedBuilds.has(image) ? 'Failed' : 'Succeeded'),
    });
    target = new ContainerAppsTarget({
      subscriptionId,
      resourceGroup,
      location: 'westeurope',
      credential: fakeEntraCredential(),
      endpoint: fake.endpoint,
      trustedCertificates: fake.certificate,
      productUrl: (fqdn) => `${fake.appsUrl}/${fqdn}`,
      pollIntervalMs: 5,
      graph: new GraphClient({ credential: fakeEntraCredential(), endpoint: graph.url }),
    });
  });
  afterEach(async () => {
    await fake.stop();
    await graph.close();
  });

  test('deploys: template, build context upload, one image build per service, new revisions, label checks, traffic switch', async () => {
    const outcome = await target.deploy(request('1.0.0'));

    expect(outcome.status).toBe('deployed');
    expect(milestones(fake)).toEqual([
      'deployments.createOrUpdate',
      'registries.getBuildSourceUploadUrl',
      'blob.upload',
      'registries.scheduleRun',
      'containerApps.update', // new revisions at 0 %, labelled green
      'app.get', // health and smoke at the green label
      'containerApps.update', // members: 100 % to the new revision
      'revisions.deactivate', // then the placeholder stops
      'containerApps.update',
      'revisions.deactivate',
    ]);
    const deployment = fake.calls.find((c) => c.operation === 'deployments.createOrUpdate')!;
    expect(deployment.path).toMatch(/\/deployments\/factory-run-42-1\.0\.0$/);
    // Builds run side by side: in whatever order they reached the registry.
    expect(fake.builds.map((b) => [b.imageName, b.arguments.SERVICE]).sort()).toEqual([
      [image('members', '1.0.0'), 'members'],
      [image('tools', '1.0.0'), 'tools'],
    ]);
    expect([...fake.uploads.values()]).toEqual([request('1.0.0').archive]);
    expect(fake.appRequests.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${app('members')}---green\\..*/health$`)),
        expect.stringMatching(new RegExp(`^${app('tools')}---green\\..*/health$`)),
        expect.stringMatching(new RegExp(`^${app('tools')}---green\\..*/tools$`)),
      ]),
    );
    const tools = fake.app(app('tools'))!;
    expect(tools.traffic).toEqual([
      { revisionName: revision(app('tools'), '1.0.0'), weight: 100, label: 'live' },
    ]);
    expect(tools.revisions.filter((r) => r.active).map((r) => r.name)).toEqual([
      revision(app('tools'), '1.0.0'),
    ]);
    expect(outcome.health.map((h) => [h.service, h.passed])).toEqual([
      ['members', true],
      ['tools', true],
    ]);
    expect(outcome.smoke).toEqual([expect.objectContaining({ service: 'tools', passed: true, status: 200 })]);
    // The product's API is registered once, and its client id is the audience the template gives the services.
    const [api] = graph.state.applications;
    expect(api).toMatchObject({
      uniqueName: `factory-product-api-${productInstance('tenant-a', 'run-42')}`,
      identifierUris: [`api://${api.appId}`],
      api: expect.objectContaining({ requestedAccessTokenVersion: 2 }),
    });
    // The roles the product's rules name are app roles of its API, for a person to assign in Entra ID.
    expect(api.appRoles).toEqual([
      expect.objectContaining({
        value: 'Coordinator',
        allowedMemberTypes: ['User', 'Application'],
        isEnabled: true,
      }),
    ]);
    expect(target.grantsRoles).toBe(false);
    expect(graph.state.servicePrincipals).toEqual([
      expect.objectContaining({ appId: api.appId, appRoleAssignmentRequired: false }),
    ]);
    expect(fake.templateParameters('factory-run-42-1.0.0')?.apiClientId).toEqual({ value: api.appId });
    // The smoke test calls with a token for that API; health needs none.
    const smoke = fake.appRequests.find((r) => r.url.endsWith('/tools'))!;
    const claims = JSON.parse(Buffer.from(smoke.authorization!.split('.')[1], 'base64url').toString('utf8'));
    expect(claims.aud).toBe(`api://${api.appId}`);
    expect(await target.accessToken('tenant-a', 'run-42')).toMatch(/^\S+\.\S+\./);
    await expect(target.accessToken('tenant-a', 'run-never-deployed')).rejects.toThrow(/never deployed/);
    const current = await target.current('tenant-a', 'run-42');
    expect(current).toMatchObject({ version: '1.0.0', status: 'live', adapter: 'azure-container-apps' });
    expect(current!.previousVersion).toBeUndefined();
  });

  test("rolls out the package's gateway with the services: its own image, checked at its label, named as the web app", async () => {
    const withGateway = { ...request('1.0.0'), archive: release('1.0.0', undefined, true) };
    const build = buildOf(withGateway.archive);
    const outcome = await target.deploy(withGateway);

    expect(outcome.status).toBe('deployed');
    expect(
      fake.builds.map((b) => [b.imageName, b.arguments] as const).sort(([a], [b]) => a.localeCompare(b)),
    ).toEqual([
      [`${product}-members:1.0.0-${build}`, { SERVICE: 'members' }],
      [`${product}-tools:1.0.0-${build}`, { SERVICE: 'tools' }],
      [`${product}-web:1.0.0-${build}`, {}],
    ]);
    const gateway = app('web');
    expect(fake.appRequests.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        `${gateway}---green.${fake.domain}/healthz`,
        `${gateway}---green.${fake.domain}/`,
      ]),
    );
    expect(fake.app(gateway)!.traffic).toEqual([
      { revisionName: `${gateway}--v1-0-0-${build}`, weight: 100, label: 'live' },
    ]);
    // The web app is the gateway's address; the services stay the services.
    expect(outcome.web).toBe(`${fake.appsUrl}/${gateway}.${fake.domain}/`);
    expect(outcome.services.map((s) => s.service)).toEqual(['members', 'tools']);
    expect(await target.current('tenant-a', 'run-42')).toMatchObject({
      web: outcome.web,
      services: [
        expect.objectContaining({ service: 'members' }),
        expect.objectContaining({ service: 'tools' }),
      ],
    });
    // The next template deployment leaves the gateway app, which now serves a release, as it is.
    expect(
      (await target.deploy({ ...request('1.1.0'), archive: release('1.1.0', undefined, true) })).status,
    ).toBe('deployed');
    expect(fake.templateParameters('factory-run-42-1.1.0')).toMatchObject({
      gatewayDeployed: { value: true },
      deployedServices: { value: ['members', 'tools'] },
    });
    expect((await target.rollback('tenant-a', 'run-42', 'test')).status).toBe('rolled-back');
    expect(fake.app(gateway)!.traffic[0]).toEqual({
      revisionName: `${gateway}--v1-0-0-${build}`,
      weight: 100,
      label: 'live',
    });
  });

  test('refuses a service named as the gateway app', async () => {
    const archive = writeTarGz([
      { path: 'release-manifest.json', content: Buffer.from(JSON.stringify({ product, version: '1.0.0' })) },
      serviceDockerfileEntry(),
      { path: 'services/web/package.json', content: Buffer.from('{"name":"web"}') },
    ]);
    await expect(target.deploy({ ...request('1.0.0'), archive, services: ['web'] })).rejects.toThrow(
      "a service may not be called web: the name belongs to the product's gateway app",
    );
    expect(fake.calls).toEqual([]);
  });

  test('a failing health check leaves the traffic on the old revision and reports rolled-back', async () => {
    await target.deploy(request('1.0.0'));
    unhealthy.add(revision(app('tools'), '1.1.0'));
    const from = fake.calls.length;

    const outcome = await target.deploy(request('1.1.0'));

    expect(outcome.status).toBe('rolled-back');
    expect(outcome.rollback).toMatchObject({
      restored: '1.0.0',
      reason: expect.stringContaining('tools GET /health: 500'),
    });
    expect(milestones(fake, from)).not.toContain('revisions.activate');
    const tools = fake.app(app('tools'))!;
    expect(tools.traffic).toEqual([
      { revisionName: revision(app('tools'), '1.0.0'), weight: 100, label: 'live' },
    ]);
    expect(tools.revisions.find((r) => r.name === revision(app('tools'), '1.1.0'))).toEqual({
      name: revision(app('tools'), '1.1.0'),
      active: false,
    });
    // Neither service switched: members passed its checks but the release goes live whole or not at all.
    expect(fake.app(app('members'))!.traffic).toEqual([
      { revisionName: revision(app('members'), '1.0.0'), weight: 100, label: 'live' },
    ]);
    expect((await target.current('tenant-a', 'run-42'))!.version).toBe('1.0.0');
  });

  test('rollback after a successful deployment moves the traffic back to the previous revision', async () => {
    await target.deploy(request('1.0.0'));
    expect((await target.deploy(request('1.1.0'))).status).toBe('deployed');
    expect(await target.current('tenant-a', 'run-42')).toMatchObject({
      version: '1.1.0',
      previousVersion: '1.0.0',
    });

    const outcome = await target.rollback('tenant-a', 'run-42', 'post-deployment validation failed');

    expect(outcome).toMatchObject({
      status: 'rolled-back',
      version: '1.1.0',
      rollback: { restored: '1.0.0' },
    });
    for (const service of services) {
      const state = fake.app(app(service))!;
      expect(state.traffic).toEqual([
        { revisionName: revision(app(service), '1.0.0'), weight: 100, label: 'live' },
      ]);
      expect(
        state.revisions.find((r) => r.name.endsWith(`--v1-1-0-${buildOf(release('1.1.0'))}`))!.active,
      ).toBe(false);
    }
    expect((await target.current('tenant-a', 'run-42'))!.version).toBe('1.0.0');
  });

  test('rerunning the same version builds nothing and creates no revision', async () => {
    await target.deploy(request('1.0.0'));
    const from = fake.calls.length;
    const builds = fake.builds.length;

    const outcome = await target.deploy(request('1.0.0'));

    expect(outcome.status).toBe('deployed');
    expect(fake.builds).toHaveLength(builds);
    expect(milestones(fake, from)).toEqual(['deployments.createOrUpdate']);
    expect(fake.app(app('tools'))!.revisions.map((r) => r.name)).toHaveLength(2);
  });

  test('a rework ships its other code under the same version as a new revision, never as the failed one', async () => {
    unhealthy.add(revision(app('tools'), '1.0.0'));
    expect((await target.deploy(request('1.0.0'))).status).not.toBe('deployed');
    const reworked = { ...request('1.0.0'), archive: release('1.0.0', 'export const fixed = true;\n') };
    const outcome = await target.deploy(reworked);
    expect(outcome.status).toBe('deployed');
    const live = `${app('tools')}--v1-0-0-${buildOf(reworked.archive)}`;
    expect(live).not.toBe(revision(app('tools'), '1.0.0'));
    expect(fake.app(app('tools'))!.traffic).toEqual([{ revisionName: live, weight: 100, label: 'live' }]);
    expect(fake.builds.map((b) => b.imageName)).toContain(
      `${product}-tools:1.0.0-${buildOf(reworked.archive)}`,
    );
  });

  test('a failed image build fails the deployment with the run id and moves nothing', async () => {
    failedBuilds.add(image('tools', '1.0.0'));

    const outcome = await target.deploy(request('1.0.0'));

    const run = fake.builds.find((b) => b.imageName === image('tools', '1.0.0'))!;
    expect(outcome.status).toBe('failed');
    expect(outcome.rollback!.reason).toBe(
      `image build of ${image('tools', '1.0.0')} ended Failed (ACR run ${run.runId})`,
    );
    expect(fake.calls.map((c) => c.operation)).not.toContain('containerApps.update');
  });

  test("keeps tenants apart: another tenant's run of the same id and product sees nothing of this one", async () => {
    await target.deploy(request('1.0.0'));
    expect(await target.current('tenant-a', 'run-42')).toMatchObject({ version: '1.0.0' });
    expect(await target.current('tenant-b', 'run-42')).toBeUndefined();
    // The instance is part of every product resource's name (main.bicep's resource token).
    expect(productInstance('tenant-a', 'run-42')).not.toBe(productInstance('tenant-b', 'run-42'));
  });

  test('undeploy deletes the apps the run rolled out', async () => {
    await target.deploy(request('1.0.0'));
    expect(await target.undeploy('tenant-a', 'run-42')).toEqual({ stopped: 2, versions: ['1.0.0'] });
    expect(fake.app(app('tools'))).toBeUndefined();
    expect(await target.current('tenant-a', 'run-42')).toBeUndefined();
  });

  test('refuses a package without the Dockerfile or a template', async () => {
    await expect(target.deploy({ ...request('1.0.0'), infrastructure: undefined })).rejects.toThrow(
      /compiled ARM template/,
    );
    const withoutDockerfile = writeTarGz([
      { path: 'release-manifest.json', content: Buffer.from(JSON.stringify({ product, version: '1.0.0' })) },
    ]);
    await expect(target.deploy({ ...request('1.0.0'), archive: withoutDockerfile })).rejects.toThrow(
      'the release package has no Dockerfile',
    );
    expect(fake.calls).toEqual([]);
  });
});

describe('choosing the deployment target from settings', () => {
  const build = () => ({ problems: [] });
  const azure = {
    FACTORY_DEPLOYMENT_TARGET: 'azure-container-apps',
    FACTORY_TARGET_SUBSCRIPTION_ID: subscriptionId,
    FACTORY_TARGET_RESOURCE_GROUP: resourceGroup,
    FACTORY_TARGET_LOCATION: 'westeurope',
  };

  test('azure-container-apps with its three settings', () => {
    expect(createDeploymentTarget(azure, '/tmp/home', build).adapter).toBe('azure-container-apps');
    expect(createDeploymentTarget({}, '/tmp/home', build).adapter).toBe('local-blue-green');
  });

  test.each([
    ['FACTORY_TARGET_SUBSCRIPTION_ID', undefined, 'needs FACTORY_TARGET_SUBSCRIPTION_ID'],
    ['FACTORY_TARGET_RESOURCE_GROUP', ' ', 'needs FACTORY_TARGET_RESOURCE_GROUP'],
    ['FACTORY_TARGET_LOCATION', undefined, 'needs FACTORY_TARGET_LOCATION'],
    [
      'FACTORY_TARGET_SUBSCRIPTION_ID',
      'my-subscription',
      "FACTORY_TARGET_SUBSCRIPTION_ID: subscription id 'my-subscription' is not a GUID",
    ],
    [
      'FACTORY_TARGET_RESOURCE_GROUP',
      'rg/with/slashes',
      'FACTORY_TARGET_RESOURCE_GROUP: resource group name',
    ],
    [
      'FACTORY_TARGET_LOCATION',
      'West Europe',
      "FACTORY_TARGET_LOCATION: location 'West Europe' is not an Azure region name",
    ],
    ['AZURE_RESOURCE_MANAGER_ENDPOINT', 'http://management.example', 'AZURE_RESOURCE_MANAGER_ENDPOINT'],
    [
      'FACTORY_DEPLOYMENT_TARGET',
      'arm',
      "FACTORY_DEPLOYMENT_TARGET 'arm' is not one of: local, azure-container-apps",
    ],
  ])('%s=%j is refused, naming the setting', (name, value, message) => {
    expect(() => createDeploymentTarget({ ...azure, [name]: value }, '/tmp/home', build)).toThrow(message);
  });
});
