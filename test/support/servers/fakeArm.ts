import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { serviceDockerfilePath } from '../../../core/ports/deploymentTarget';
import { readTarGz } from '../../../platform/deployment/tarball';
import type { LocalImages } from '../localImages';
import type { FlexibleServer } from './flexibleServer';
import { makeLoopbackCertificate, type LoopbackCertificate } from './loopbackTls';

/**
 * A loopback Azure Resource Manager for the Container Apps target, answering the documented REST shapes the SDKs
 * use: deployments (PUT with an Azure-AsyncOperation long-running operation, then GET), container apps (list, GET,
 * PATCH as a long-running operation, DELETE) with revisions (GET, activate, deactivate), and ACR Tasks
 * (listBuildSourceUploadUrl, scheduleRun, runs GET) with the SAS upload endpoint of the build source.
 *
 * The fake does not evaluate ARM templates: a deployment acts as the product's main.bicep does, from its
 * parameters (`services`, `deployedServices`, `gatewayDeployed`, `imageTag`): every service not in
 * `deployedServices` gets its container app (re)created on the placeholder image, so does the gateway app (`web`,
 * its routes naming each service's app) unless `gatewayDeployed`, and the outputs name the apps and the registry.
 * Each app's revision and label FQDNs are served by a second, plain-HTTP loopback server under `/apps/<fqdn>/...`,
 * whose answers the test decides per revision; `/apps/<app name>/...` is the app as the other apps of the
 * environment reach it (`http://<app name>`, its live traffic). ARM itself is served over TLS with a certificate made for 127.0.0.1,
 * because the SDKs' bearer-token policy refuses plain HTTP; `certificate` is what a client must trust.
 */

export interface ArmCall {
  method: string;
  /** Short name of the operation, e.g. `deployments.createOrUpdate`, `containerApps.update`, `runs.get`. */
  operation: string;
  path: string;
  apiVersion?: string;
}

export interface FakeArmOptions {
  subscriptionId: string;
  resourceGroup: string;
  /** The product slug the template tags its apps with. */
  product: string;
  /** The Retry-After (seconds) of operations in progress; default none, so the client's own interval applies. */
  retryAfterSeconds?: number;
  /** Whether a revision's app answers `/health` (and smoke paths) with 200; default every revision does. */
  healthy?: (revision: string) => boolean;
  /** The end state of an image build, by image name; default `Succeeded`. */
  buildStatus?: (imageName: string) => string;
  /** The certificate ARM is served with (one for 127.0.0.1 of its own by default). */
  certificate?: LoopbackCertificate;
  /**
   * Builds images from the uploaded context and runs each active revision's container, so the product's own code
   * answers at its FQDNs; without it the apps answer health and smoke paths with fixed bodies.
   */
  images?: LocalImages;
  /**
   * What the product template's `env` gives every app: the product identity's client id, the settings `shared`
   * by all apps (Service Bus namespace and topic), those of its database on the product's PostgreSQL server,
   * where each template deployment provisions the services' databases, and the token issuer of the tenant with
   * the product API's client id (the `apiClientId` parameter) as audience. Without it the apps get no settings.
   */
  appSettings?: {
    identityClientId: string;
    database: FlexibleServer;
    shared?: Record<string, string>;
    /**
     * The tenant's token issuer and key set URL (the template's AUTH_ISSUER and AUTH_JWKS_URL), and the authority
     * the clients sign in at (the login endpoint and the tenant, in the gateway's GATEWAY_SIGN_IN).
     */
    auth: { issuer: string; jwksUrl: string; authority: string };
  };
}

interface Revision {
  name: string;
  createdTime: string;
  active: boolean;
  template: Template;
}

interface Template {
  revisionSuffix?: string;
  containers: Array<{ name: string; image: string; env?: Array<{ name: string; value?: string }> }>;
  [key: string]: unknown;
}

interface Traffic {
  revisionName?: string;
  weight?: number;
  latestRevision?: boolean;
  label?: string;
}

interface App {
  name: string;
  service: string;
  location: string;
  tags: Record<string, string>;
  template: Template;
  traffic: Traffic[];
  revisions: Map<string, Revision>;
  latestRevisionName: string;
}

export interface FakeArm {
  /** The Resource Manager endpoint (https, loopback). */
  endpoint: string;
  /** PEM certificate of the authority that issued the endpoint's, to trust. */
  certificate: string;
  /** The default domain of the product's Container Apps environment. */
  domain: string;
  /** Base URL of the product apps: `${appsUrl}/<fqdn>` answers as `https://<fqdn>` would. */
  appsUrl: string;
  calls: ArmCall[];
  /** The parameters of each template deployment, by deployment name. */
  templateParameters(name: string): Record<string, { value?: unknown }> | undefined;
  /** Requests the product apps received: `<fqdn><path>` and the revision that answered. */
  appRequests: Array<{ url: string; revision?: string; status: number; authorization?: string }>;
  /** The build contexts uploaded, by relative path. */
  uploads: Map<string, Buffer>;
  /** Image builds scheduled: image name and build arguments. */
  builds: Array<{ imageName: string; arguments: Record<string, string>; runId: string; status: string }>;
  /** The state of one app: its traffic and revisions (for assertions). */
  app(name: string): { traffic: Traffic[]; revisions: Array<{ name: string; active: boolean }> } | undefined;
  stop(): Promise<void>;
}

const placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest';
const registryName = 'crfake';
const registryServer = `${registryName}.azurecr.io`;

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, value?: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(value === undefined ? '' : JSON.stringify(value));
}

const fail = (res: ServerResponse, status: number, code: string, message: string) =>
  send(res, status, { error: { code, message } });

export async function startFakeArm(options: FakeArmOptions): Promise<FakeArm> {
  const tls = options.certificate ?? makeLoopbackCertificate();
  const { key, cert } = tls;
  const calls: ArmCall[] = [];
  const appRequests: FakeArm['appRequests'] = [];
  const uploads = new Map<string, Buffer>();
  const builds: FakeArm['builds'] = [];
  const built = new Set<string>();
  const apps = new Map<string, App>();
  const deployments = new Map<string, { body: Record<string, unknown>; state: string; error?: unknown }>();
  type Outcome = { status: string; error?: unknown };
  const operations = new Map<string, { polls: number; outcome: () => Outcome | Promise<Outcome> }>();
  const runs = new Map<string, { polls: number; status: string; imageName: string }>();
  let counter = 0;
  let endpoint = '';
  let appsUrl = '';
  const group =
    `/subscriptions/${options.subscriptionId}/resourcegroups/${options.resourceGroup}`.toLowerCase();
  const domain = 'fakeenv-7f3a.westeurope.azurecontainerapps.io';

  // Resource Manager may say when to ask again (the Retry-After header of an operation in progress); the SDK's
  // pollers then wait that long instead of their own interval.
  const retryAfter: Record<string, string> =
    options.retryAfterSeconds === undefined ? {} : { 'retry-after': String(options.retryAfterSeconds) };
  const asyncOperation = (outcome: () => Outcome | Promise<Outcome>) => {
    const id = `op-${++counter}`;
    operations.set(id, { polls: 0, outcome });
    return {
      'azure-asyncoperation': `${endpoint}/providers/fake/operations/${id}?api-version=fake`,
      ...retryAfter,
    };
  };

  const revisionJson = (app: App, revision: Revision) => {
    const weight = resolve(app).find((t) => t.revisionName === revision.name)?.weight ?? 0;
    return {
      id: `${group}/providers/Microsoft.App/containerApps/${app.name}/revisions/${revision.name}`,
      name: revision.name,
      type: 'Microsoft.App/containerApps/revisions',
      properties: {
        createdTime: revision.createdTime,
        fqdn: `${revision.name}.${domain}`,
        template: revision.template,
        active: revision.active,
        replicas: revision.active ? 1 : 0,
        trafficWeight: weight,
        healthState: 'Healthy',
        provisioningState: 'Provisioned',
        runningState: revision.active ? 'Running' : 'Stopped',
      },
    };
  };

  const appJson = (app: App) => ({
    id: `${group}/providers/Microsoft.App/containerApps/${app.name}`,
    name: app.name,
    type: 'Microsoft.App/containerApps',
    location: app.location,
    tags: app.tags,
    properties: {
      provisioningState: 'Succeeded',
      managedEnvironmentId: `${group}/providers/Microsoft.App/managedEnvironments/cae-fake`,
      latestRevisionName: app.latestRevisionName,
      latestReadyRevisionName: app.latestRevisionName,
      latestRevisionFqdn: `${app.latestRevisionName}.${domain}`,
      configuration: {
        activeRevisionsMode: 'Multiple',
        ingress: { fqdn: `${app.name}.${domain}`, external: true, targetPort: 8080, traffic: app.traffic },
      },
      template: app.template,
    },
  });

  /** Traffic with `latestRevision` resolved to a revision name. */
  const resolve = (app: App): Traffic[] =>
    app.traffic.map((t) => (t.latestRevision ? { ...t, revisionName: app.latestRevisionName } : t));

  const templateKey = (t: Template) =>
    JSON.stringify({
      suffix: t.revisionSuffix ?? '',
      containers: t.containers.map((c) => ({ image: c.image, env: c.env ?? [] })),
    });

  /** Applies a new template: a new revision when anything revision-scoped changed. */
  const applyTemplate = (app: App, template: Template): string | undefined => {
    if (app.revisions.size && templateKey(template) === templateKey(app.template)) return undefined;
    for (const container of template.containers)
      if (container.image !== placeholderImage && !built.has(container.image))
        return `image ${container.image} was not found in the registry`;
    const name = `${app.name}--${template.revisionSuffix || `r${++counter}`}`;
    if (app.revisions.has(name)) return `revision ${name} already exists: change revisionSuffix`;
    app.revisions.set(name, { name, createdTime: new Date().toISOString(), active: true, template });
    app.template = template;
    app.latestRevisionName = name;
    return undefined;
  };

  const applyTraffic = (app: App, traffic: Traffic[]): string | undefined => {
    const resolved = traffic.map((t) =>
      t.latestRevision ? { ...t, revisionName: app.latestRevisionName } : t,
    );
    if (resolved.reduce((sum, t) => sum + (t.weight ?? 0), 0) !== 100)
      return 'traffic weights must add up to 100';
    const labels = resolved.filter((t) => t.label).map((t) => t.label);
    if (new Set(labels).size !== labels.length) return 'a traffic label is used twice';
    for (const t of resolved) {
      const revision = app.revisions.get(t.revisionName ?? '');
      if (!revision) return `revision ${t.revisionName} does not exist`;
      if ((t.weight ?? 0) > 0 && !revision.active) return `revision ${t.revisionName} is not active`;
    }
    app.traffic = traffic;
    return undefined;
  };

  /** What the product template does, driven by its parameters. */
  const deployTemplate = async (parameters: Record<string, { value?: unknown }>) => {
    const services = (parameters.services?.value ?? []) as string[];
    const deployed = (parameters.deployedServices?.value ?? []) as string[];
    const location = String(parameters.location?.value ?? 'westeurope');
    const instance = String(parameters.instance?.value ?? '');
    const created = services.filter((service) => !deployed.includes(service));
    const gatewayApp = fakeAppName('web', instance);
    const appSettings = options.appSettings;
    const databases = appSettings
      ? await appSettings.database.provision(`id-${options.product}-${instance}`, created)
      : {};
    /** As in Azure, the template's app replaces what the app was: back to the placeholder, all traffic to it. */
    const placeApp = (name: string, service: string, env: Array<{ name: string; value: string }>) => {
      const app: App = apps.get(name) ?? {
        name,
        service,
        location,
        tags: {},
        template: { containers: [] },
        traffic: [],
        revisions: new Map(),
        latestRevisionName: '',
      };
      apps.set(name, app);
      applyTemplate(app, { containers: [{ name: service, image: placeholderImage, env }] });
      app.tags = { 'azd-service-name': service, product: options.product, 'factory-instance': instance };
      app.traffic = [{ latestRevision: true, weight: 100 }];
    };
    for (const service of created) {
      // Named as the product's main.bicep names them: per service and per instance (the tenant's run).
      const env = appSettings
        ? Object.entries({
            AZURE_CLIENT_ID: appSettings.identityClientId,
            ...appSettings.shared,
            AUTH_ISSUER: appSettings.auth.issuer,
            AUTH_AUDIENCE: String(parameters.apiClientId?.value ?? ''),
            AUTH_JWKS_URL: appSettings.auth.jwksUrl,
            ...databases[service],
          }).map(([name, value]) => ({ name, value }))
        : [];
      placeApp(fakeAppName(service, instance), service, env);
    }
    if (parameters.gatewayDeployed?.value !== true) {
      const routes = Object.fromEntries(services.map((s) => [s, `http://${fakeAppName(s, instance)}`]));
      const apiClientId = String(parameters.apiClientId?.value ?? '');
      const signIn = appSettings && {
        method: 'entra',
        clientId: apiClientId,
        authority: appSettings.auth.authority,
        scopes: [`api://${apiClientId}/user_impersonation`],
      };
      placeApp(gatewayApp, 'web', [
        { name: 'GATEWAY_ROUTES', value: JSON.stringify(routes) },
        ...(signIn ? [{ name: 'GATEWAY_SIGN_IN', value: JSON.stringify(signIn) }] : []),
      ]);
    }
    return {
      SERVICE_APPS: {
        type: 'Array',
        value: services.map((service) => ({
          service,
          app: fakeAppName(service, instance),
        })),
      },
      AZURE_CONTAINER_REGISTRY_NAME: { type: 'String', value: registryName },
      AZURE_CONTAINER_REGISTRY_ENDPOINT: { type: 'String', value: registryServer },
      GATEWAY_APP: { type: 'String', value: gatewayApp },
    };
  };

  const arm = createHttpsServer({ key, cert }, (req, res) => {
    void (async () => {
      const raw = await body(req);
      const url = new URL(req.url ?? '/', 'https://arm');
      const path = url.pathname;
      const lower = path.toLowerCase();
      const apiVersion = url.searchParams.get('api-version') ?? undefined;
      const record = (operation: string) =>
        calls.push({ method: req.method ?? '', operation, path, apiVersion });
      if (!/^Bearer \S+$/.test(req.headers.authorization ?? ''))
        return fail(res, 401, 'AuthenticationFailed', 'no bearer token');
      if (!apiVersion) return fail(res, 400, 'MissingApiVersionParameter', 'api-version is required');
      const json = () => (raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {});

      let match = /^\/providers\/fake\/operations\/([^/]+)$/.exec(path);
      if (match) {
        record('operations.get');
        const op = operations.get(match[1]);
        if (!op) return fail(res, 404, 'NotFound', 'no such operation');
        op.polls++;
        return op.polls < 2
          ? send(res, 200, { status: 'InProgress' }, retryAfter)
          : send(res, 200, await op.outcome());
      }
      if (!lower.startsWith(group)) return fail(res, 404, 'ResourceGroupNotFound', path);
      const rest = path.slice(group.length);

      match = /^\/providers\/Microsoft\.Resources\/deployments\/([^/]+)$/i.exec(rest);
      if (match) {
        const name = decodeURIComponent(match[1]);
        if (req.method === 'PUT') {
          record('deployments.createOrUpdate');
          const request = json() as { properties?: Record<string, unknown>; tags?: Record<string, string> };
          const properties = request.properties ?? {};
          if (properties.mode !== 'Incremental' || typeof properties.template !== 'object')
            return fail(res, 400, 'InvalidDeployment', 'mode Incremental and a template are required');
          deployments.set(name, { body: { ...request }, state: 'Running' });
          return send(
            res,
            201,
            {
              id: `${group}/providers/Microsoft.Resources/deployments/${name}`,
              name,
              properties: { provisioningState: 'Accepted' },
            },
            asyncOperation(async () => {
              const stored = deployments.get(name)!;
              const outputs = await deployTemplate(
                (properties.parameters ?? {}) as Record<string, { value?: unknown }>,
              );
              stored.state = 'Succeeded';
              stored.body = { ...stored.body, properties: { ...properties, outputs } };
              return { status: 'Succeeded' };
            }),
          );
        }
        if (req.method === 'GET') {
          record('deployments.get');
          const stored = deployments.get(name);
          if (!stored) return fail(res, 404, 'DeploymentNotFound', name);
          const properties = stored.body.properties as Record<string, unknown>;
          return send(res, 200, {
            id: `${group}/providers/Microsoft.Resources/deployments/${name}`,
            name,
            tags: stored.body.tags,
            properties: {
              provisioningState: stored.state,
              outputs: properties.outputs,
              timestamp: new Date().toISOString(),
            },
          });
        }
      }

      if (/^\/providers\/Microsoft\.App\/containerApps$/i.test(rest) && req.method === 'GET') {
        record('containerApps.listByResourceGroup');
        return send(res, 200, { value: [...apps.values()].map(appJson) });
      }
      match =
        /^\/providers\/Microsoft\.App\/containerApps\/([^/]+)(?:\/revisions\/([^/]+)(?:\/(activate|deactivate))?)?$/i.exec(
          rest,
        );
      if (match) {
        const app = apps.get(match[1]);
        const [, , revisionName, action] = match;
        if (!app) {
          record(`containerApps.${req.method?.toLowerCase()}`);
          return fail(res, 404, 'ResourceNotFound', match[1]);
        }
        if (revisionName) {
          const revision = app.revisions.get(revisionName);
          record(action ? `revisions.${action}` : 'revisions.get');
          if (!revision) return fail(res, 404, 'ResourceNotFound', revisionName);
          if (!action) return send(res, 200, revisionJson(app, revision));
          if (
            action === 'deactivate' &&
            resolve(app).some((t) => t.revisionName === revisionName && (t.weight ?? 0) > 0)
          )
            return fail(res, 400, 'RevisionHasTraffic', `${revisionName} still takes traffic`);
          revision.active = action === 'activate';
          if (!revision.active) await options.images?.stop(revision.name);
          return send(res, 200);
        }
        if (req.method === 'GET') {
          record('containerApps.get');
          return send(res, 200, appJson(app));
        }
        if (req.method === 'PATCH') {
          record('containerApps.update');
          const request = json() as {
            tags?: Record<string, string>;
            properties?: { template?: Template; configuration?: { ingress?: { traffic?: Traffic[] } } };
          };
          const before = { template: app.template, traffic: app.traffic, latest: app.latestRevisionName };
          const revisionsBefore = new Set(app.revisions.keys());
          const problem =
            (request.properties?.template ? applyTemplate(app, request.properties.template) : undefined) ??
            (request.properties?.configuration?.ingress?.traffic
              ? applyTraffic(app, request.properties.configuration.ingress.traffic)
              : undefined);
          if (problem) {
            for (const name of app.revisions.keys())
              if (!revisionsBefore.has(name)) app.revisions.delete(name);
            Object.assign(app, {
              template: before.template,
              traffic: before.traffic,
              latestRevisionName: before.latest,
            });
            return fail(res, 400, 'ContainerAppInvalidRequest', problem);
          }
          if (request.tags) app.tags = request.tags;
          return send(
            res,
            202,
            undefined,
            asyncOperation(() => ({ status: 'Succeeded' })),
          );
        }
        if (req.method === 'DELETE') {
          record('containerApps.delete');
          apps.delete(app.name);
          return send(
            res,
            202,
            undefined,
            asyncOperation(() => ({ status: 'Succeeded' })),
          );
        }
      }

      match =
        /^\/providers\/Microsoft\.ContainerRegistry\/registries\/([^/]+)\/(listBuildSourceUploadUrl|scheduleRun|runs\/([^/]+))$/i.exec(
          rest,
        );
      if (match) {
        if (match[1] !== registryName) return fail(res, 404, 'ResourceNotFound', match[1]);
        if (match[2] === 'listBuildSourceUploadUrl' && req.method === 'POST') {
          record('registries.getBuildSourceUploadUrl');
          const relativePath = `source/${Date.now()}-${++counter}/context.tar.gz`;
          return send(res, 200, {
            uploadUrl: `${appsUrl.replace(/\/apps$/, '')}/blob/${relativePath}?sv=2023-11-03&sr=b&sig=fake`,
            relativePath,
          });
        }
        if (match[2] === 'scheduleRun' && req.method === 'POST') {
          record('registries.scheduleRun');
          const request = json() as {
            type?: string;
            imageNames?: string[];
            sourceLocation?: string;
            dockerFilePath?: string;
            arguments?: Array<{ name: string; value: string }>;
          };
          if (request.type !== 'DockerBuildRequest') return fail(res, 400, 'InvalidRunRequest', 'type');
          const context = uploads.get(request.sourceLocation ?? '');
          if (!context)
            return fail(res, 400, 'InvalidSourceLocation', `${request.sourceLocation} was not uploaded`);
          const files = new Set(readTarGz(context).map((e) => e.path));
          if (!files.has(request.dockerFilePath ?? ''))
            return fail(res, 400, 'InvalidDockerFilePath', `${request.dockerFilePath}`);
          const args = Object.fromEntries((request.arguments ?? []).map((a) => [a.name, a.value]));
          // (The product's own rule for its services' Dockerfile: SERVICE names one of them.)
          if (
            request.dockerFilePath === serviceDockerfilePath &&
            !files.has(`services/${args.SERVICE}/package.json`)
          )
            return fail(res, 400, 'InvalidRunRequest', `no services/${args.SERVICE}/ in the build context`);
          const imageName = request.imageNames?.[0] ?? '';
          if (!/^[a-z0-9-]+:[\w.-]+$/.test(imageName)) return fail(res, 400, 'InvalidImageName', imageName);
          const runId = `ca${++counter}`;
          let status = options.buildStatus?.(imageName) ?? 'Succeeded';
          if (status === 'Succeeded' && options.images) {
            try {
              options.images.build(imageName, context, request.dockerFilePath ?? '', args);
            } catch (error) {
              process.stderr.write(
                `fake ACR: the build of ${imageName} failed: ${(error as Error).message}\n`,
              );
              status = 'Failed';
            }
          }
          runs.set(runId, { polls: 0, status, imageName });
          builds.push({ imageName, arguments: args, runId, status: runs.get(runId)!.status });
          return send(res, 200, {
            id: `${group}/providers/Microsoft.ContainerRegistry/registries/${registryName}/runs/${runId}`,
            name: runId,
            properties: { runId, status: 'Queued' },
          });
        }
        if (match[3] && req.method === 'GET') {
          record('runs.get');
          const run = runs.get(match[3]);
          if (!run) return fail(res, 404, 'RunNotFound', match[3]);
          run.polls++;
          const status = run.polls < 2 ? 'Running' : run.status;
          if (status === 'Succeeded') built.add(`${registryServer}/${run.imageName}`);
          return send(res, 200, {
            id: `${group}/providers/Microsoft.ContainerRegistry/registries/${registryName}/runs/${match[3]}`,
            name: match[3],
            properties: { runId: match[3], status },
          });
        }
      }
      record(`unknown ${req.method}`);
      return fail(res, 404, 'NotFound', `${req.method} ${path}`);
    })().catch((error: Error) => fail(res, 500, 'FakeArmError', error.message));
  });

  /** The SAS upload endpoint of the build source, and the product apps' FQDNs. */
  const loopback = createHttpServer((req, res) => {
    void (async () => {
      const raw = await body(req);
      const url = new URL(req.url ?? '/', 'http://loopback');
      const blob = /^\/blob\/(.+)$/.exec(url.pathname);
      if (blob) {
        if (
          req.method !== 'PUT' ||
          req.headers['x-ms-blob-type'] !== 'BlockBlob' ||
          url.searchParams.get('sig') !== 'fake'
        )
          return fail(res, 403, 'AuthorizationFailure', 'a BlockBlob PUT with the SAS is expected');
        calls.push({ method: 'PUT', operation: 'blob.upload', path: url.pathname });
        uploads.set(blob[1], raw);
        res.writeHead(201, {
          etag: '"0x1"',
          'last-modified': new Date().toUTCString(),
          'x-ms-request-server-encrypted': 'true',
        });
        return res.end();
      }
      const app = /^\/apps\/([^/]+)(\/.*)$/.exec(url.pathname);
      if (!app) return fail(res, 404, 'NotFound', url.pathname);
      const [, fqdn, appPath] = app;
      // `<app>[---<label>].<domain>` from outside; a bare `<app>` from inside the environment.
      const host = /^([a-z0-9-]+?)(?:---([a-z0-9-]+))?\.(.+)$/.exec(fqdn) ?? [fqdn, fqdn, undefined, domain];
      const target = host[3] === domain ? apps.get(host[1]) : undefined;
      const entry = target
        ? resolve(target).find((t) => (host[2] ? t.label === host[2] : t.weight === 100))
        : undefined;
      const revision = entry && target!.revisions.get(entry.revisionName ?? '');
      const status = !revision?.active ? 404 : (options.healthy?.(revision.name) ?? true) ? 200 : 500;
      calls.push({ method: req.method ?? 'GET', operation: 'app.get', path: `${fqdn}${appPath}` });
      const container = revision?.template.containers[0];
      if (status === 200 && options.images && container?.image.startsWith(`${registryServer}/`)) {
        // Inside the environment an app reaches another by its name: here, that app on this server.
        const env = Object.fromEntries(
          (container.env ?? []).map((e) => [
            e.name,
            (e.value ?? '').replace(/http:\/\/([a-z0-9-]+)(?=["/]|$)/g, (whole, name: string) =>
              apps.has(name) ? `${appsUrl}/${name}` : whole,
            ),
          ]),
        );
        const origin = await options.images.serve(
          revision!.name,
          container.image.slice(registryServer.length + 1),
          env,
        );
        const answer = await fetch(`${origin}${appPath}${url.search}`, {
          method: req.method,
          headers: {
            ...(req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {}),
            ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
          },
          body: ['GET', 'HEAD'].includes(req.method ?? 'GET') ? undefined : raw,
        });
        appRequests.push({
          url: `${fqdn}${appPath}`,
          revision: revision!.name,
          status: answer.status,
          authorization: req.headers.authorization,
        });
        // The ingress passes the app's headers on, but those of the connection (fetch has decoded the body).
        const passed = [...answer.headers].filter(
          ([name]) =>
            !['connection', 'keep-alive', 'transfer-encoding', 'content-encoding', 'content-length'].includes(
              name,
            ),
        );
        res.writeHead(answer.status, {
          'content-type': 'text/plain',
          ...Object.fromEntries(passed),
        });
        return res.end(Buffer.from(await answer.arrayBuffer()));
      }
      appRequests.push({
        url: `${fqdn}${appPath}`,
        revision: revision?.name,
        status,
        authorization: req.headers.authorization,
      });
      return send(
        res,
        status,
        status === 200 ? (appPath === '/health' ? { status: 'ok' } : []) : { error: 'unavailable' },
      );
    })().catch((error: Error) => fail(res, 500, 'FakeArmError', error.message));
  });

  await new Promise<void>((r) => arm.listen(0, '127.0.0.1', r));
  await new Promise<void>((r) => loopback.listen(0, '127.0.0.1', r));
  endpoint = `https://127.0.0.1:${(arm.address() as AddressInfo).port}`;
  appsUrl = `http://127.0.0.1:${(loopback.address() as AddressInfo).port}/apps`;
  return {
    endpoint,
    certificate: readFileSync(tls.caFile, 'utf8'),
    domain,
    appsUrl,
    calls,
    templateParameters: (name) =>
      (
        deployments.get(name)?.body.properties as
          { parameters?: Record<string, { value?: unknown }> } | undefined
      )?.parameters,
    appRequests,
    uploads,
    builds,
    app(name) {
      const app = apps.get(name);
      return (
        app && {
          traffic: resolve(app).map(({ revisionName, weight, label }) => ({
            revisionName,
            weight,
            ...(label ? { label } : {}),
          })),
          revisions: [...app.revisions.values()].map((r) => ({ name: r.name, active: r.active })),
        }
      );
    },
    stop: async () => {
      arm.closeAllConnections();
      loopback.closeAllConnections();
      await Promise.all([new Promise((r) => arm.close(r)), new Promise((r) => loopback.close(r))]);
      if (!options.certificate) tls.remove();
    },
  };
}

/** The calls that change something or check the product, each run of repeats once. */
export function milestones(fake: Pick<FakeArm, 'calls'>, from = 0): string[] {
  const kept = new Set([
    'deployments.createOrUpdate',
    'registries.getBuildSourceUploadUrl',
    'blob.upload',
    'registries.scheduleRun',
    'containerApps.update',
    'revisions.activate',
    'revisions.deactivate',
    'app.get',
  ]);
  return fake.calls
    .slice(from)
    .map((c) => c.operation)
    .filter((op) => kept.has(op))
    .filter((op, i, all) => op !== all[i - 1]);
}

/** The name the fake gives a service's container app in a product instance, as a resource token would. */
export function fakeAppName(service: string, instance: string): string {
  return `ca-${service}-${instance.slice(0, 6) || 'fake'}`;
}
