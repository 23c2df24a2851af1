import { createHash } from 'node:crypto';
import type { ContainerApp, TrafficWeight } from '@azure/arm-appcontainers';
import { ContainerAppsAPIClient } from '@azure/arm-appcontainers';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/identity';
import {
  assertSafeSegment,
  gatewayDockerfilePath,
  httpCheck,
  serviceDockerfilePath,
  type CheckResult,
  type CurrentDeployment,
  type DeployedService,
  type DeploymentOutcome,
  type DeploymentTarget,
  type DeployRequest,
} from '../../core/ports/deploymentTarget';
import { AcrTasks, type AcrRun } from './acrTasks';
import { StepLog } from './stepLog';
import { readTarGz } from './tarball';
import { ensureApiRegistration } from '../identity/apiRegistration';
import type { GraphClient } from '../identity/graphClient';

export interface ContainerAppsTargetOptions {
  subscriptionId: string;
  resourceGroup: string;
  /** Region of the product's resources (the template's `location` parameter). */
  location: string;
  credential: TokenCredential;
  /** Resource Manager endpoint; https://management.azure.com unless a sovereign cloud or a test says otherwise. */
  endpoint?: string;
  /** PEM certificates trusted besides the public ones (a loopback Resource Manager's own, in tests). */
  trustedCertificates?: string;
  /** How this host reaches a product FQDN: `https://<fqdn>` in Azure; tests map it to loopback. */
  productUrl?: (fqdn: string) => string;
  pollIntervalMs?: number;
  /** Longest an image build may take (default 20 minutes). */
  buildTimeoutMs?: number;
  /** Microsoft Graph, where the product's API is registered (its tokens' audience). */
  graph: GraphClient;
}

/** Template outputs of the product's main.bicep the target relies on. */
interface ProductOutputs {
  apps: Array<{ service: string; app: string }>;
  registryName: string;
  registryServer: string;
  /** The gateway app (web app, PWA, one origin for the APIs), when the template has one. */
  gateway?: string;
}

/** A service during one rollout: its app and the revision this version runs as. */
interface Rollout {
  service: string;
  app: ContainerApp & { name: string };
  revision: string;
  /** The revision that took the traffic before, if any. */
  serving?: string;
  /** It ran a release (not the template's placeholder), so a rollback may return to it. */
  servingRelease: boolean;
  /** The new revision already serves: a rerun of a version that went live. */
  live: boolean;
  /** The new revision exists, serving or not: a rerun of this build. */
  exists: boolean;
}

/**
 * The gateway app's name among the product's apps (its `azd-service-name` tag): the product's one origin, rolled
 * out blue/green with the services from the package's gateway Dockerfile. No service may be called so.
 */
const gatewayService = 'web';
const healthPath = (rollout: Rollout) => (rollout.service === gatewayService ? '/healthz' : '/health');

const deploymentsApiVersion = '2021-04-01';
/** The product API's app registration (Graph `uniqueName`), one per product instance. */
const productApiName = (instance: string) => `factory-product-api-${instance}`;
/** Traffic labels: the candidate is reached at `<app>---green.<domain>`, the serving one at `---live`. */
const candidateLabel = 'green';
const liveLabel = 'live';
const previousLabel = 'previous';
const runTag = 'factory-run';
/**
 * The product instance of one tenant's run: a template parameter that is part of every resource name and a tag on
 * every resource, so products of two runs (of two tenants, with the same product name) never share a resource.
 */
const instanceTag = 'factory-instance';

export function productInstance(tenantId: string, runId: string): string {
  return createHash('sha256').update(`${tenantId}/${runId}`).digest('hex').slice(0, 12);
}
/** Set on every revision the target creates: the release it runs (the local target sets it too). */
const versionVariable = 'SERVICE_VERSION';

/**
 * Deploys a release to Azure Container Apps with the Azure SDKs: the product's ARM template (once per version,
 * incremental), one image per service and one for the gateway (web app, PWA, `/api/<service>/`) built by ACR Tasks
 * from the release package, then blue/green between
 * revisions: the new revision gets 0 % of the traffic and the `green` label, passes health and smoke checks at
 * the label's address, then takes 100 % and the `live` label; the old one keeps `previous` and is deactivated.
 * A failed check leaves the traffic where it was and deactivates the new revision.
 */
export class ContainerAppsTarget implements DeploymentTarget {
  readonly adapter = 'azure-container-apps';
  readonly grantsRoles = false;
  private readonly apps: ContainerAppsAPIClient;
  private readonly arm: ResourceManagementClient;
  private readonly registries: ContainerRegistryManagementClient;
  private readonly productUrl: (fqdn: string) => string;
  /** The product APIs' client ids by product instance: a registration's client id never changes. */
  private readonly apiClientIds = new Map<string, string>();

  constructor(private readonly options: ContainerAppsTargetOptions) {
    const [problem] = placementProblems(options);
    if (problem) throw new Error(problem.message);
    const endpoint = (options.endpoint ?? 'https://management.azure.com').replace(/\/$/, '');
    const clientOptions = {
      endpoint,
      $host: endpoint,
      ...(options.trustedCertificates ? { tlsOptions: { ca: options.trustedCertificates } } : {}),
    };
    this.apps = new ContainerAppsAPIClient(options.credential, options.subscriptionId, clientOptions);
    this.arm = new ResourceManagementClient(options.credential, options.subscriptionId, clientOptions);
    this.registries = new ContainerRegistryManagementClient(
      options.credential,
      options.subscriptionId,
      clientOptions,
    );
    this.productUrl = options.productUrl ?? ((fqdn) => `https://${fqdn}`);
  }

  private get lro() {
    return { updateIntervalInMs: this.options.pollIntervalMs ?? 5000 };
  }

  private get groupId(): string {
    return `/subscriptions/${this.options.subscriptionId}/resourceGroups/${this.options.resourceGroup}`;
  }

  async deploy(request: DeployRequest): Promise<DeploymentOutcome> {
    const version = assertSafeSegment(request.version, 'version');
    const build = buildOf(request.archive);
    if (!request.infrastructure)
      throw new Error(
        "the Container Apps target deploys the product's compiled ARM template: the provisioning step must build infra/main.bicep first",
      );
    const entries = readTarGz(request.archive);
    const paths = new Set(entries.map((e) => e.path));
    if (!paths.has(serviceDockerfilePath))
      throw new Error(`the release package has no ${serviceDockerfilePath}: its services cannot be built`);
    for (const service of request.services) {
      assertSafeSegment(service, 'service');
      if (!paths.has(`services/${service}/package.json`))
        throw new Error(`the release package has no services/${service}/package.json`);
      if (service === gatewayService)
        throw new Error(
          `a service may not be called ${gatewayService}: the name belongs to the product's gateway app`,
        );
    }
    const withGateway = paths.has(gatewayDockerfilePath);
    const product = productOf(entries);
    const log = new StepLog();
    const before = await this.current(request.tenantId, request.runId);

    const existing = await log.run('list container apps', async () => {
      const names: string[] = [];
      const instance = productInstance(request.tenantId, request.runId);
      for await (const app of this.apps.containerApps.listByResourceGroup(this.options.resourceGroup))
        if (app.tags?.[instanceTag] === instance && app.tags['azd-service-name'])
          names.push(app.tags['azd-service-name']);
      return { value: names, detail: names.length ? `serving already: ${names.join(', ')}` : 'none yet' };
    });
    const api = await log.run('register the product API in Entra ID', () =>
      this.registerApi(request, product),
    );
    const outputs = await this.deployInfrastructure(log, request, version, existing, api);

    const rollouts: Rollout[] = [];
    for (const service of request.services) {
      const entry = outputs.apps.find((a) => a.service === service);
      if (!entry) throw new Error(`the template's SERVICE_APPS output names no app for ${service}`);
      rollouts.push(await this.prepare(service, entry.app, version, build));
    }
    if (withGateway && !outputs.gateway)
      throw new Error("the release package has a gateway but the template's outputs name no GATEWAY_APP");
    if (withGateway) {
      const gateway = await this.prepare(gatewayService, outputs.gateway!, version, build);
      rollouts.push(gateway);
      // The web app and PWA sign in with the API's registration and come back to the gateway's address.
      const fqdn = gateway.app.configuration?.ingress?.fqdn;
      if (!fqdn) throw new Error(`the gateway app ${outputs.gateway} has no ingress address`);
      await log.run('register the web app and PWA as sign-in clients', () =>
        this.registerApi(request, product, [`https://${fqdn}/`, `https://${fqdn}/app/`]),
      );
    }
    const base = { adapter: this.adapter, version, previousVersion: before?.version };

    const toBuild = rollouts.filter((r) => !r.live && !r.exists);
    if (toBuild.length) {
      const tasks = new AcrTasks(
        this.registries,
        this.options.resourceGroup,
        outputs.registryName,
        this.options.pollIntervalMs ?? 5000,
      );
      const source = await log.run('upload build context', async () => {
        const upload = await tasks.upload(request.archive);
        return { value: upload, detail: `${request.archive.length} bytes to ${upload.relativePath}` };
      });
      const deadline = Date.now() + (this.options.buildTimeoutMs ?? 20 * 60_000);
      // ACR Tasks runs builds side by side: a product's images build at once, not one after the other.
      // Every build is waited for, even when one throws: none keeps polling after the deployment has answered.
      const settled = await Promise.allSettled(
        toBuild.map((rollout) => {
          const imageName = `${product}-${rollout.service}:${version}-${build}`;
          return log.run(`build image ${imageName}`, async () => {
            const result = await tasks.build(
              {
                imageName,
                sourceLocation: source.relativePath,
                ...(rollout.service === gatewayService
                  ? { dockerFilePath: gatewayDockerfilePath, buildArguments: {} }
                  : { dockerFilePath: serviceDockerfilePath, buildArguments: { SERVICE: rollout.service } }),
                timeoutSeconds: Math.max(300, Math.round((deadline - Date.now()) / 1000)),
              },
              deadline,
            );
            return {
              value: { imageName, run: result },
              ok: result.status === 'Succeeded',
              detail: `run ${result.runId}: ${result.status}`,
            };
          });
        }),
      );
      const thrown = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (thrown) throw thrown.reason;
      const runs = settled.map(
        (r) => (r as PromiseFulfilledResult<{ imageName: string; run: AcrRun }>).value,
      );
      const failed = runs.find(({ run }) => run.status !== 'Succeeded');
      if (failed) {
        const reason = `image build of ${failed.imageName} ended ${failed.run.status} (ACR run ${failed.run.runId})`;
        return this.notSwitched(base, log, before, reason, [], [], []);
      }
      for (const rollout of toBuild)
        await log.run(`new revision ${rollout.revision}`, async () => {
          const image = `${outputs.registryServer}/${product}-${rollout.service}:${version}-${build}`;
          rollout.app = await this.createRevision(rollout, image, version, request.runId);
          return { value: undefined, detail: `0 % of the traffic, label ${candidateLabel}` };
        });
    }

    const candidates = rollouts.filter((r) => !r.live);
    for (const rollout of candidates.filter((r) => !toBuild.includes(r)))
      await log.run(`label ${rollout.revision}`, async () => {
        // A rerun finds the revision made before; it may have been deactivated when its checks failed.
        await this.apps.containerAppsRevisions.activateRevision(
          this.options.resourceGroup,
          rollout.app.name,
          rollout.revision,
        );
        rollout.app = await this.setTraffic(
          rollout.app,
          labelled(rollout.app, rollout.revision, candidateLabel),
        );
        return { value: undefined, detail: `existing revision activated and labelled ${candidateLabel}` };
      });

    const urls = new Map(
      candidates.map((r) => [r.service, this.productUrl(labelFqdn(r.app, candidateLabel))] as const),
    );
    const health = await Promise.all(
      candidates.map((r) =>
        this.waitHealthy(
          r.service,
          `${urls.get(r.service)}${healthPath(r)}`,
          healthPath(r),
          request.healthTimeoutMs ?? 120_000,
        ),
      ),
    );
    const smoke: CheckResult[] = [];
    // The gateway's pages come from its own image; its API routes reach the services' live revisions, which
    // the services' own checks cover.
    const page = urls.get(gatewayService);
    if (page) smoke.push(await httpCheck(gatewayService, 'GET /', `${page}/`, [200], 10_000));
    const authorization = request.smoke.length
      ? `Bearer ${await this.accessToken(request.tenantId, request.runId)}`
      : undefined;
    for (const check of request.smoke) {
      const url = urls.get(check.service);
      if (url)
        smoke.push(
          await httpCheck(
            check.service,
            `${check.method} ${check.path}`,
            `${url}${check.path}`,
            check.expect,
            10_000,
            authorization,
          ),
        );
    }
    log.ended(
      'health and smoke checks',
      new Date(),
      [...health, ...smoke].every((c) => c.passed),
      `${health.filter((c) => c.passed).length}/${health.length} healthy, ${smoke.filter((c) => c.passed).length}/${smoke.length} smoke checks passed`,
    );
    const failed = [...health, ...smoke].filter((c) => !c.passed);
    if (failed.length) {
      for (const rollout of candidates) await this.abandon(log, rollout);
      const reason = failed.map((c) => `${c.service} ${c.name}: ${c.status ?? c.error}`).join('; ');
      return this.notSwitched(base, log, before, reason, health, smoke, candidates);
    }
    for (const rollout of candidates) await this.switchTo(log, rollout);
    const gateway = rollouts.find((r) => r.service === gatewayService);
    return {
      ...base,
      status: 'deployed',
      services: rollouts.filter((r) => r !== gateway).map((r) => this.service(r.service, r.app)),
      ...(gateway ? { web: this.webOf(gateway.app) } : {}),
      steps: log.steps,
      health,
      smoke,
    };
  }

  /**
   * The product API's registration in Entra ID (idempotent), with the clients' sign-in addresses when given.
   * Anyone signed in to the tenant may call; the product's own rules say what each may do.
   */
  private async registerApi(
    request: DeployRequest,
    product: string,
    spaRedirectUris?: string[],
  ): Promise<{ value: string; detail: string }> {
    const instance = productInstance(request.tenantId, request.runId);
    const registered = await ensureApiRegistration(this.options.graph, {
      uniqueName: productApiName(instance),
      displayName: `${product} API (${instance})`,
      roles: request.roles ?? [],
      assignmentRequired: false,
      assigneeId: null,
      spaRedirectUris,
    });
    this.apiClientIds.set(instance, registered.appId);
    return {
      value: registered.appId,
      detail: registered.changes.length ? registered.changes.join('; ') : `up to date (${registered.appId})`,
    };
  }

  /** The product template, once per version: redeploying the same name is ARM's own idempotent update. */
  private async deployInfrastructure(
    log: StepLog,
    request: DeployRequest,
    version: string,
    deployed: string[],
    apiClientId: string,
  ): Promise<ProductOutputs> {
    const name = deploymentName(request.runId, version);
    const infrastructure = request.infrastructure!;
    const parameters = {
      ...infrastructure.parameters,
      location: this.options.location,
      services: request.services,
      // New apps start on the placeholder; apps already serving keep their revisions (see main.bicep).
      imageTag: '',
      deployedServices: deployed.filter((name) => name !== gatewayService),
      gatewayDeployed: deployed.includes(gatewayService),
      instance: productInstance(request.tenantId, request.runId),
      apiClientId,
    };
    return log.run(`template deployment ${name}`, async () => {
      const result = await this.arm.resources.beginCreateOrUpdateByIdAndWait(
        // The client puts the id after `{endpoint}/` as given: without its leading slash the URL stays canonical.
        `${this.groupId.slice(1)}/providers/Microsoft.Resources/deployments/${name}`,
        deploymentsApiVersion,
        {
          properties: {
            mode: 'Incremental',
            template: infrastructure.template,
            parameters: Object.fromEntries(Object.entries(parameters).map(([k, v]) => [k, { value: v }])),
          },
          tags: { [runTag]: request.runId, 'factory-tenant': request.tenantId, 'factory-version': version },
        },
        this.lro,
      );
      const properties = (result.properties ?? {}) as {
        provisioningState?: string;
        outputs?: Record<string, { value?: unknown }>;
      };
      if (properties.provisioningState !== 'Succeeded')
        throw new Error(
          `template deployment ${name} ended ${properties.provisioningState ?? 'without a state'}`,
        );
      return { value: productOutputs(properties.outputs ?? {}), detail: 'Succeeded' };
    });
  }

  private async prepare(service: string, appName: string, version: string, build: string): Promise<Rollout> {
    const app = await this.getApp(appName);
    const revision = `${appName}--${revisionSuffix(version, build)}`;
    const traffic = app.configuration?.ingress?.traffic ?? [];
    const serving = traffic.find((t) => (t.weight ?? 0) === 100);
    const servingName = serving?.latestRevision ? app.latestRevisionName : serving?.revisionName;
    return {
      service,
      app,
      revision,
      serving: servingName === revision ? undefined : servingName,
      servingRelease: Boolean(await this.revisionVersion(appName, servingName)),
      live: servingName === revision,
      exists: await this.revisionExists(appName, revision),
    };
  }

  /** Whether the app has the revision, active or not (a rerun of this build made it before). */
  private async revisionExists(app: string, revision: string): Promise<boolean> {
    try {
      await this.apps.containerAppsRevisions.getRevision(this.options.resourceGroup, app, revision);
      return true;
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return false;
      throw error;
    }
  }

  private async getApp(name: string): Promise<ContainerApp & { name: string }> {
    const app = await this.apps.containerApps.get(this.options.resourceGroup, name);
    return { ...app, name };
  }

  private async update(app: ContainerApp & { name: string }, change: Partial<ContainerApp>) {
    const configuration = app.configuration ? { ...app.configuration, secrets: undefined } : undefined;
    await this.apps.containerApps.beginUpdateAndWait(
      this.options.resourceGroup,
      app.name,
      { location: app.location, configuration, template: app.template, ...change },
      this.lro,
    );
    return this.getApp(app.name);
  }

  /** A new revision of the app running `image`, with no traffic yet and the candidate label. */
  private createRevision(rollout: Rollout, image: string, version: string, runId: string) {
    const { app, revision } = rollout;
    const template = app.template ?? {};
    const [first, ...rest] = template.containers ?? [];
    if (!first) throw new Error(`container app ${app.name} has no container to update`);
    const suffix = revision.slice(app.name.length + 2);
    // `latestRevision` entries would hand the traffic to the new revision the moment it exists: pin them.
    const traffic = pinned(app).filter((t) => t.label !== candidateLabel);
    return this.update(app, {
      tags: { ...app.tags, [runTag]: runId },
      template: {
        ...template,
        revisionSuffix: suffix,
        containers: [
          {
            ...first,
            image,
            env: [
              ...(first.env ?? []).filter((e) => e.name !== versionVariable),
              { name: versionVariable, value: version },
            ],
          },
          ...rest,
        ],
      },
      configuration: {
        ...app.configuration,
        ingress: {
          ...app.configuration?.ingress,
          traffic: [...traffic, { revisionName: revision, weight: 0, label: candidateLabel }],
        },
      },
    });
  }

  private setTraffic(app: ContainerApp & { name: string }, traffic: TrafficWeight[]) {
    return this.update(app, {
      configuration: { ...app.configuration, ingress: { ...app.configuration?.ingress, traffic } },
    });
  }

  /**
   * Gives the new revision all the traffic and the live label; the one it replaces, when it ran a release, keeps
   * the `previous` label for a rollback. The replaced revision is deactivated only after the switch.
   */
  private async switchTo(log: StepLog, rollout: Rollout): Promise<void> {
    const replaced = rollout.serving;
    const keep = replaced && rollout.servingRelease;
    await log.run(`traffic to ${rollout.revision}`, async () => {
      const traffic: TrafficWeight[] = [{ revisionName: rollout.revision, weight: 100, label: liveLabel }];
      if (keep) traffic.push({ revisionName: replaced, weight: 0, label: previousLabel });
      rollout.app = await this.setTraffic(rollout.app, traffic);
      return { value: undefined, detail: `100 %${keep ? `, ${replaced} kept as ${previousLabel}` : ''}` };
    });
    if (replaced)
      await log.run(`deactivate ${replaced}`, async () => {
        await this.apps.containerAppsRevisions.deactivateRevision(
          this.options.resourceGroup,
          rollout.app.name,
          replaced,
        );
        return { value: undefined, detail: 'after the switch' };
      });
  }

  /** A candidate that failed its checks: its label goes, the traffic stays, and it stops. */
  private async abandon(log: StepLog, rollout: Rollout): Promise<void> {
    await log.run(`abandon ${rollout.revision}`, async () => {
      rollout.app = await this.setTraffic(
        rollout.app,
        pinned(rollout.app).filter((t) => t.revisionName !== rollout.revision),
      );
      await this.apps.containerAppsRevisions.deactivateRevision(
        this.options.resourceGroup,
        rollout.app.name,
        rollout.revision,
      );
      return { value: undefined, detail: `traffic stays on ${rollout.serving ?? 'no revision'}` };
    });
  }

  private async waitHealthy(
    service: string,
    url: string,
    path: string,
    timeoutMs: number,
  ): Promise<CheckResult> {
    // A new revision takes a while to pull its image and start; its health endpoint is asked until the timeout.
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const check = await httpCheck(service, `GET ${path}`, url, [200], 10_000);
      if (check.passed || Date.now() + 2000 > deadline) return check;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.min(this.options.pollIntervalMs ?? 5000, 2000)),
      );
    }
  }

  private notSwitched(
    base: { adapter: string; version: string; previousVersion?: string },
    log: StepLog,
    before: CurrentDeployment | undefined,
    reason: string,
    health: CheckResult[],
    smoke: CheckResult[],
    candidates: Rollout[],
  ): DeploymentOutcome {
    return {
      ...base,
      status: before ? 'rolled-back' : 'failed',
      services:
        before?.services ??
        candidates.filter((r) => r.service !== gatewayService).map((r) => this.service(r.service, r.app)),
      ...(before?.web ? { web: before.web } : {}),
      steps: log.steps,
      health,
      smoke,
      rollback: {
        reason,
        restored: before?.version,
        detail: before
          ? `the traffic stayed on ${before.version}; the new revisions were deactivated`
          : 'nothing served before: no traffic was moved',
      },
    };
  }

  private service(service: string, app: ContainerApp): DeployedService {
    const fqdn = app.configuration?.ingress?.fqdn;
    return { service, url: fqdn ? this.productUrl(fqdn) : '' };
  }

  /** The web app's address: the gateway app's FQDN. */
  private webOf(app: ContainerApp): string | undefined {
    const fqdn = app.configuration?.ingress?.fqdn;
    return fqdn ? `${this.productUrl(fqdn)}/` : undefined;
  }

  /** The run's apps (tagged by the target when it rolled out a revision on them). */
  private async runApps(tenantId: string, runId: string): Promise<Array<ContainerApp & { name: string }>> {
    const found: Array<ContainerApp & { name: string }> = [];
    const instance = productInstance(tenantId, runId);
    for await (const app of this.apps.containerApps.listByResourceGroup(this.options.resourceGroup))
      if (app.tags?.[runTag] === runId && app.tags[instanceTag] === instance && app.name)
        found.push({ ...app, name: app.name });
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The release a revision runs; none for the template's placeholder. */
  private async revisionVersion(app: string, revision: string | undefined): Promise<string | undefined> {
    if (!revision) return undefined;
    const found = await this.apps.containerAppsRevisions.getRevision(
      this.options.resourceGroup,
      app,
      revision,
    );
    return found.template?.containers?.[0]?.env?.find((e) => e.name === versionVariable)?.value;
  }

  /**
   * A token of Microsoft Entra ID for the product's API, for the factory's own identity (the credential): the
   * caller's subject and roles are those Entra ID knows, not chosen here, and Entra ID sets the lifetime.
   */
  async accessToken(tenantId: string, runId: string): Promise<string> {
    const appId = await this.productApiClientId(tenantId, runId);
    const token = await this.options.credential.getToken(`api://${appId}/.default`);
    if (!token) throw new Error(`no access token for the product API api://${appId}`);
    return token.token;
  }

  /** The client id of the product API's registration, if the product was ever deployed. */
  private async productApiClientId(tenantId: string, runId: string): Promise<string> {
    const instance = productInstance(tenantId, runId);
    const known = this.apiClientIds.get(instance);
    if (known) return known;
    const name = productApiName(instance);
    const app = await this.options.graph.find<{ appId: string }>(
      `/applications(uniqueName='${name}')?$select=appId`,
    );
    if (!app)
      throw new Error(`run ${runId} has no product API registration (${name}): it was never deployed`);
    this.apiClientIds.set(instance, app.appId);
    return app.appId;
  }

  async current(tenantId: string, runId: string): Promise<CurrentDeployment | undefined> {
    const apps = await this.runApps(tenantId, runId);
    if (!apps.length) return undefined;
    const versions: string[] = [];
    const previous: string[] = [];
    for (const app of apps) {
      const traffic = app.configuration?.ingress?.traffic ?? [];
      const live = traffic.find((t) => t.weight === 100);
      const version = await this.revisionVersion(
        app.name,
        live?.latestRevision ? app.latestRevisionName : live?.revisionName,
      );
      if (version) versions.push(version);
      const before = await this.revisionVersion(
        app.name,
        traffic.find((t) => t.label === previousLabel)?.revisionName,
      );
      if (before) previous.push(before);
    }
    const [version] = versions;
    if (!version) return undefined;
    const named = apps.map((app) => ({ name: app.tags?.['azd-service-name'] ?? app.name, app }));
    const gateway = named.find((a) => a.name === gatewayService);
    const web = gateway && this.webOf(gateway.app);
    return {
      tenantId,
      runId,
      adapter: this.adapter,
      version,
      status: 'live',
      switchedAt: '',
      services: named.filter((a) => a !== gateway).map((a) => this.service(a.name, a.app)),
      ...(web ? { web } : {}),
      previousVersion: previous[0],
      history: [],
    };
  }

  async rollback(tenantId: string, runId: string, reason: string): Promise<DeploymentOutcome> {
    const log = new StepLog();
    const before = await this.current(tenantId, runId);
    const apps = await this.runApps(tenantId, runId);
    const restorable = apps.filter((app) =>
      (app.configuration?.ingress?.traffic ?? []).some((t) => t.label === previousLabel && t.revisionName),
    );
    const outcome = {
      adapter: this.adapter,
      version: before?.version ?? 'none',
      health: [] as CheckResult[],
      smoke: [] as CheckResult[],
    };
    if (!before || restorable.length === 0)
      return {
        ...outcome,
        status: 'failed',
        services: before?.services ?? [],
        steps: log.steps,
        rollback: { reason, detail: 'no previous revision to restore' },
      };
    for (const app of restorable) {
      const traffic = app.configuration!.ingress!.traffic!;
      const previous = traffic.find((t) => t.label === previousLabel)!.revisionName!;
      const failing = traffic.find((t) => t.weight === 100)?.revisionName;
      await log.run(`activate ${previous}`, async () => {
        await this.apps.containerAppsRevisions.activateRevision(
          this.options.resourceGroup,
          app.name,
          previous,
        );
        return { value: undefined, detail: 'the revision that served before' };
      });
      await log.run(`traffic back to ${previous}`, async () => {
        await this.setTraffic(app, [{ revisionName: previous, weight: 100, label: liveLabel }]);
        return { value: undefined, detail: '100 %' };
      });
      if (failing && failing !== previous)
        await log.run(`deactivate ${failing}`, async () => {
          await this.apps.containerAppsRevisions.deactivateRevision(
            this.options.resourceGroup,
            app.name,
            failing,
          );
          return { value: undefined, detail: reason };
        });
    }
    const after = await this.current(tenantId, runId);
    return {
      ...outcome,
      status: 'rolled-back',
      previousVersion: after?.version,
      services: after?.services ?? [],
      steps: log.steps,
      rollback: {
        reason,
        restored: after?.version,
        detail: `traffic moved back on ${restorable.length} app(s)`,
      },
    };
  }

  async undeploy(tenantId: string, runId: string): Promise<{ stopped: number; versions: string[] }> {
    const before = await this.current(tenantId, runId);
    const apps = await this.runApps(tenantId, runId);
    // The apps are what a rollout made; the template's shared resources (database, bus, registry) stay with
    // the resource group, which a person deletes when the product goes.
    for (const app of apps)
      await this.apps.containerApps.beginDeleteAndWait(this.options.resourceGroup, app.name, this.lro);
    return { stopped: apps.length, versions: before ? [before.version] : [] };
  }

  logs(): Promise<Array<{ service: string; line: string }>> {
    // Container Apps send console logs to the environment's Log Analytics workspace; reading them needs a Logs
    // query client the factory does not have, so the report points there instead of copying lines.
    return Promise.resolve([]);
  }
}

export type Placement = Pick<ContainerAppsTargetOptions, 'subscriptionId' | 'resourceGroup' | 'location'>;

/** What is wrong with where the product would go, field by field (empty when nothing is). */
export function placementProblems(placement: Placement): Array<{ field: keyof Placement; message: string }> {
  const problems: Array<{ field: keyof Placement; message: string }> = [];
  if (!/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/.test(placement.subscriptionId))
    problems.push({
      field: 'subscriptionId',
      message: `subscription id '${placement.subscriptionId}' is not a GUID`,
    });
  if (!/^[-\w._()]{1,90}$/.test(placement.resourceGroup) || placement.resourceGroup.endsWith('.'))
    problems.push({
      field: 'resourceGroup',
      message: `resource group name '${placement.resourceGroup}' is not valid (1-90 letters, digits, - _ . ( ), not ending in .)`,
    });
  if (!/^[a-z0-9]{2,40}$/.test(placement.location))
    problems.push({
      field: 'location',
      message: `location '${placement.location}' is not an Azure region name such as westeurope`,
    });
  return problems;
}

function deploymentName(runId: string, version: string): string {
  return `factory-${runId}-${version}`.replace(/[^-\w._()]/g, '-').slice(0, 64);
}

/**
 * `v1-2-0-3f9a0c1` for 1.2.0 built from a package whose sha256 starts with 3f9a0c1: a rework within an iteration
 * ships other code under the same version, and revision suffixes and image tags are never reused for other code
 * (a rollback must find the old code under the old name). Lower-case letters, digits and dashes, at most 20.
 */
function revisionSuffix(version: string, build: string): string {
  const plain = `v${version}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/-+$/, '');
  const short =
    plain.length <= 12
      ? plain
      : `${plain.slice(0, 5).replace(/-+$/, '')}-${createHash('sha256').update(version).digest('hex').slice(0, 6)}`;
  return `${short}-${build}`;
}

/** What identifies the code of a release package: the first 7 hex digits of its sha256. */
export function buildOf(archive: Buffer): string {
  return createHash('sha256').update(archive).digest('hex').slice(0, 7);
}

function productOf(entries: Array<{ path: string; content: Buffer }>): string {
  const manifest = entries.find((e) => e.path === 'release-manifest.json');
  if (!manifest) throw new Error('the release package has no release-manifest.json');
  const product = (JSON.parse(manifest.content.toString('utf8')) as { product?: unknown }).product;
  if (typeof product !== 'string' || !/^[a-z0-9][a-z0-9-]{0,40}$/.test(product))
    throw new Error(`the release manifest names no valid product slug: ${JSON.stringify(product)}`);
  return product;
}

function productOutputs(outputs: Record<string, { value?: unknown }>): ProductOutputs {
  const apps = outputs.SERVICE_APPS?.value;
  const registryName = outputs.AZURE_CONTAINER_REGISTRY_NAME?.value;
  const registryServer = outputs.AZURE_CONTAINER_REGISTRY_ENDPOINT?.value;
  if (
    !Array.isArray(apps) ||
    !apps.every(
      (a) =>
        typeof (a as { service?: unknown }).service === 'string' &&
        typeof (a as { app?: unknown }).app === 'string',
    ) ||
    typeof registryName !== 'string' ||
    typeof registryServer !== 'string'
  )
    throw new Error(
      'the template deployment lacks the outputs SERVICE_APPS, AZURE_CONTAINER_REGISTRY_NAME and AZURE_CONTAINER_REGISTRY_ENDPOINT',
    );
  const gateway = outputs.GATEWAY_APP?.value;
  return {
    apps: apps as ProductOutputs['apps'],
    registryName,
    registryServer,
    ...(typeof gateway === 'string' && gateway ? { gateway } : {}),
  };
}

/** The app's traffic with `latestRevision` entries replaced by the revision they point at now. */
function pinned(app: ContainerApp): TrafficWeight[] {
  return (app.configuration?.ingress?.traffic ?? []).map((t) =>
    t.latestRevision ? { revisionName: app.latestRevisionName, weight: t.weight, label: t.label } : t,
  );
}

function labelled(app: ContainerApp, revision: string, label: string): TrafficWeight[] {
  const others = pinned(app).filter((t) => t.label !== label && !(t.revisionName === revision && !t.weight));
  return [...others, { revisionName: revision, weight: 0, label }];
}

/** `<app>---<label>.<environment domain>`, from the app's own FQDN `<app>.<environment domain>`. */
function labelFqdn(app: ContainerApp & { name: string }, label: string): string {
  const fqdn = app.configuration?.ingress?.fqdn;
  if (!fqdn || !fqdn.startsWith(`${app.name}.`))
    throw new Error(`container app ${app.name} has no ingress FQDN of the form <app>.<domain>`);
  return `${app.name}---${label}${fqdn.slice(app.name.length)}`;
}
