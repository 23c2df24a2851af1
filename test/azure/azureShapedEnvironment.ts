import { randomUUID } from 'node:crypto';
import { delimiter, dirname, join, sep } from 'node:path';
import { FakeAzureOpenAi } from '../support/fakeAzureOpenAi';
import { LocalImages } from '../support/localImages';
import { FakeGraph } from '../support/fakeGraph';
import { startFakeArm, type FakeArm } from '../support/servers/fakeArm';
import { startGitHosting, type GitHosting } from '../support/servers/gitHosting';
import { startAzurite, type AzuriteServer } from '../support/servers/azurite';
import { startCosmos, type CosmosServer } from '../support/servers/cosmos';
import { makeLoopbackCertificate, startTlsFront, type TlsFront } from '../support/servers/loopbackTls';
import {
  startManagedIdentityEndpoint,
  tokenAudience,
  type ManagedIdentityEndpoint,
} from '../support/servers/managedIdentityEndpoint';
import {
  flexibleServer,
  postgresTokenResource,
  type FlexibleServer,
} from '../support/servers/flexibleServer';
import { startServiceBusBroker, type ServiceBusBroker } from '../support/servers/serviceBusBroker';
import { startSessionPool, type SessionPoolFake } from '../support/servers/sessionPool';
import { startIngestionServer, type IngestionServer } from '../telemetry/ingestionServer';
import type { ArmTemplate } from '../infra/armChecks';
import { functionAppSettings, type FunctionAppSettings } from './functionAppSettings';
import { startProductAppsFront } from './productAppsFront';

const resourceManagerHost = 'management.azure.com';
const azureDevOpsHost = 'dev.azure.com';
const graphHost = 'graph.microsoft.com';
/** The product's domain events topic, as its template names it, and a subscription the tests read. */
export const productEventsTopic = 'domain-events';
export const productEventsObserver = 'observer';
/** The Entra ID resource of Azure DevOps, the audience of the tokens it accepts. */
const azureDevOpsResource = '499b84ac-1321-427f-aa17-267ca6975798';

/** This folder compiled: the processes under test run JavaScript, whether this module runs from `dist` or not. */
const compiledHere = __dirname.split(sep).includes('dist')
  ? __dirname
  : join(__dirname, '..', '..', 'dist', 'test', 'azure');
const productDomain = 'fakeenv-7f3a.westeurope.azurecontainerapps.io';

/** What the Azure-shaped run talks to, every service on loopback. */
export interface AzureShapedEnvironment {
  /** The function app's settings (from the template) and what the platform sets for a Functions worker. */
  env: Record<string, string>;
  app: FunctionAppSettings;
  /** The certificate authority every process under test trusts, as instances trust the public ones. */
  caFile: string;
  identity: ManagedIdentityEndpoint;
  clientId: string;
  /** The product's user-assigned identity, as its container apps reach it. */
  productIdentity: ManagedIdentityEndpoint;
  productClientId: string;
  /** The product's PostgreSQL server. */
  database: FlexibleServer;
  blob: AzuriteServer;
  cosmos: CosmosServer;
  bus: ServiceBusBroker;
  sessions: SessionPoolFake;
  ingestion: IngestionServer;
  model: FakeAzureOpenAi;
  /** Resource Manager of the subscription products are deployed to. */
  arm: FakeArm;
  /** Microsoft Graph of the tenant, where the product's API is registered. */
  graph: FakeGraph;
  /** Azure Repos: the product's repository and the pull-request API. */
  git: GitHosting;
  /** The product repository's bare folder on the git server. */
  repositoryDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the loopback stand-ins of the services the function app's settings name, over TLS where Azure
 * endpoints are HTTPS and with Entra ID tokens from the managed identity endpoint: Azurite (Blob, OAuth), the
 * Cosmos DB server, the AMQP broker (behind TLS, with the queue, topic and subscriptions the Bicep declares),
 * the session pool, Application Insights ingestion and Azure OpenAI. The settings are read from the compiled
 * template; only values Azure computes at deployment are replaced.
 */
export async function startAzureShapedEnvironment(
  template: ArmTemplate,
  options: {
    loopback?: Record<string, string>;
    /** The Bicep CLI, which the session image has on its PATH. */
    bicep: string;
    /** Whether a product revision answers its health and smoke checks (default: every one does). */
    healthyRevision?: (revision: string) => boolean;
  },
): Promise<AzureShapedEnvironment> {
  if (!process.env.TEST_POSTGRES_URL)
    throw new Error(
      'the product keeps its data in PostgreSQL: set TEST_POSTGRES_URL (bash .ci/start-postgresql.sh prints one)',
    );
  const target = {
    subscriptionId: '00000000-0000-4000-8000-000000000000',
    resourceGroup: 'rg-azure-shaped-products',
    location: 'swedencentral',
  };
  const certificate = makeLoopbackCertificate([
    resourceManagerHost,
    `*.${productDomain}`,
    azureDevOpsHost,
    graphHost,
  ]);
  const clientId = randomUUID();
  const fronts: TlsFront[] = [];
  const front = async (port: number) => {
    const started = await startTlsFront(port, certificate);
    fronts.push(started);
    return started.port;
  };
  const identity = await startManagedIdentityEndpoint({ clientId });
  // The product's own user-assigned identity, in its container apps, and its PostgreSQL server.
  const productClientId = randomUUID();
  const productIdentity = await startManagedIdentityEndpoint({
    clientId: productClientId,
    stableTokens: true,
  });
  const database = flexibleServer(process.env.TEST_POSTGRES_URL, () =>
    productIdentity.token(postgresTokenResource),
  );
  const [blob, cosmos, bus, sessions, ingestion, model] = await Promise.all([
    startAzurite({ tls: certificate }),
    startCosmos({ tls: certificate }),
    startServiceBusBroker({
      queues: ['factory-commands'],
      topics: {
        'factory-events': { subscriptions: { deployments: {}, approvals: {}, 'run-outcomes': {} } },
        // The product's topic (its own namespace in Azure), with a subscription that sees every domain event.
        [productEventsTopic]: { subscriptions: { [productEventsObserver]: {} } },
      },
      maxDeliveryCount: 5,
    }),
    // The session image has the Bicep CLI, which the Functions instance has not.
    startSessionPool({ path: `${dirname(options.bicep)}${delimiter}${process.env.PATH ?? '/usr/bin:/bin'}` }),
    startIngestionServer(certificate),
    FakeAzureOpenAi.start(() => ({ status: 503, body: { error: { message: 'no model in this run' } } })),
  ]);
  const busPort = await front(bus.port);
  // Container Apps gives a container with a managed identity its endpoint; it trusts the loopback certificates.
  const images = new LocalImages(join(__dirname, '..', '..', 'node_modules'), {
    ...productIdentity.env,
    NODE_EXTRA_CA_CERTS: certificate.caFile,
  });
  const arm = await startFakeArm({
    subscriptionId: target.subscriptionId,
    resourceGroup: target.resourceGroup,
    product: 'toolshed',
    certificate,
    healthy: (revision) => options.healthyRevision?.(revision) ?? true,
    // The deployer polls every 5 s, as it should in Azure; here Resource Manager answers within a second.
    retryAfterSeconds: 1,
    // The product's own services answer at their revisions' names, built from the uploaded release package.
    images,
    appSettings: {
      identityClientId: productClientId,
      database,
      shared: {
        ServiceBusConnection__fullyQualifiedNamespace: `127.0.0.1:${busPort}`,
        DOMAIN_EVENTS_TOPIC: productEventsTopic,
      },
      // One tenant: the factory's identity gets the tokens the product's services check.
      auth: {
        issuer: identity.issuer,
        jwksUrl: identity.jwksUrl,
        authority: `https://login.microsoftonline.com/${identity.tenantId}`,
      },
    },
  });
  if (arm.domain !== productDomain) throw new Error(`the fake names its apps under ${arm.domain}`);
  const apps = await startProductAppsFront(arm.appsUrl, certificate);
  const graph = await FakeGraph.start();
  // Azure Repos lets in the factory's identity with an Entra ID token for Azure DevOps.
  const git = await startGitHosting({
    token: (presented) => tokenAudience(presented) === azureDevOpsResource,
  });
  const repository = git.azureRepository('contoso', 'factory', 'products');
  const gitPort = await front(Number(new URL(git.origin).port));
  const poolPort = await front(Number(new URL(sessions.endpoint).port));
  const modelPort = await front(Number(new URL(model.endpoint).port));
  const graphPort = await front(Number(new URL(graph.url).port));
  const app = functionAppSettings(template, {
    AzureWebJobsStorage__accountName: 'devstoreaccount1',
    AzureWebJobsStorage__clientId: clientId,
    CosmosConnection__accountEndpoint: cosmos.endpoint,
    CosmosConnection__clientId: clientId,
    ArtifactStorage__blobServiceUri: blob.blobEndpoint,
    ArtifactStorage__clientId: clientId,
    ServiceBusConnection__fullyQualifiedNamespace: `127.0.0.1:${busPort}`,
    ServiceBusConnection__clientId: clientId,
    AZURE_OPENAI_ENDPOINT: `https://127.0.0.1:${modelPort}/`,
    AZURE_CLIENT_ID: clientId,
    APPLICATIONINSIGHTS_CONNECTION_STRING: ingestion.connectionString(randomUUID()),
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${clientId}`,
    SANDBOX_SESSION_POOL_ENDPOINT: `https://127.0.0.1:${poolPort}`,
    // Deployment parameters: the product's repository.
    FACTORY_SOURCE_REPOSITORY: 'azure-repos',
    FACTORY_SOURCE_REPOSITORY_URL: `https://${azureDevOpsHost}/contoso/factory/_git/products`,
    FACTORY_TARGET_SUBSCRIPTION_ID: target.subscriptionId,
    FACTORY_TARGET_RESOURCE_GROUP: target.resourceGroup,
    FACTORY_TARGET_LOCATION: target.location,
    ...options.loopback,
  });
  const env: Record<string, string> = {
    ...app.settings,
    // What App Service sets on every instance of the app.
    ...identity.env,
    WEBSITE_AUTH_ENABLED: 'True',
    FUNCTIONS_WORKER_RUNTIME: 'node',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_EXTRA_CA_CERTS: certificate.caFile,
    // Name resolution of this network: Resource Manager and the product's ingress are on loopback.
    NODE_OPTIONS: `--require ${join(compiledHere, 'loopbackNetwork.js')}`,
    LOOPBACK_ROUTES: JSON.stringify({
      [resourceManagerHost]: Number(new URL(arm.endpoint).port),
      [`*.${productDomain}`]: apps.port,
      [azureDevOpsHost]: gitPort,
      [graphHost]: graphPort,
    }),
  };
  return {
    env,
    app,
    caFile: certificate.caFile,
    identity,
    clientId,
    productIdentity,
    productClientId,
    database,
    blob,
    cosmos,
    bus,
    sessions,
    ingestion,
    model,
    arm,
    graph,
    git,
    repositoryDir: repository.gitDir,
    async stop() {
      await Promise.all([
        ...fronts.map((f) => f.close()),
        apps.close(),
        arm.stop(),
        git.stop(),
        graph.close(),
      ]);
      await images.close();
      await database.close();
      await Promise.all([
        blob.stop(),
        cosmos.stop(),
        bus.stop(),
        sessions.close(),
        ingestion.close(),
        model.close(),
        identity.close(),
        productIdentity.close(),
      ]);
      certificate.remove();
    },
  };
}
