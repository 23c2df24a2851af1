import { randomUUID } from 'node:crypto';
import { FakeAzureOpenAi } from '../support/fakeAzureOpenAi';
import { startAzurite, type AzuriteServer } from '../support/servers/azurite';
import { startCosmos, type CosmosServer } from '../support/servers/cosmos';
import { makeLoopbackCertificate, startTlsFront, type TlsFront } from '../support/servers/loopbackTls';
import {
  startManagedIdentityEndpoint,
  type ManagedIdentityEndpoint,
} from '../support/servers/managedIdentityEndpoint';
import { startServiceBusBroker, type ServiceBusBroker } from '../support/servers/serviceBusBroker';
import { startSessionPool, type SessionPoolFake } from '../support/servers/sessionPool';
import { startIngestionServer, type IngestionServer } from '../telemetry/ingestionServer';
import type { ArmTemplate } from '../infra/armChecks';
import { functionAppSettings, type FunctionAppSettings } from './functionAppSettings';

/** What the Azure-shaped run talks to, every service on loopback. */
export interface AzureShapedEnvironment {
  /** The function app's settings (from the template) and what the platform sets for a Functions worker. */
  env: Record<string, string>;
  app: FunctionAppSettings;
  /** The certificate authority every process under test trusts, as instances trust the public ones. */
  caFile: string;
  identity: ManagedIdentityEndpoint;
  clientId: string;
  blob: AzuriteServer;
  cosmos: CosmosServer;
  bus: ServiceBusBroker;
  sessions: SessionPoolFake;
  ingestion: IngestionServer;
  model: FakeAzureOpenAi;
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
  extra: { loopback?: Record<string, string> } = {},
): Promise<AzureShapedEnvironment> {
  const certificate = makeLoopbackCertificate();
  const clientId = randomUUID();
  const fronts: TlsFront[] = [];
  const front = async (port: number) => {
    const started = await startTlsFront(port, certificate);
    fronts.push(started);
    return started.port;
  };
  const identity = await startManagedIdentityEndpoint({ clientId });
  const [blob, cosmos, bus, sessions, ingestion, model] = await Promise.all([
    startAzurite({ tls: certificate }),
    startCosmos({ tls: certificate }),
    startServiceBusBroker({
      queues: ['factory-commands'],
      topics: {
        'factory-events': { subscriptions: { deployments: {}, approvals: {}, 'run-outcomes': {} } },
      },
      maxDeliveryCount: 5,
    }),
    startSessionPool(),
    startIngestionServer(certificate),
    FakeAzureOpenAi.start(() => ({ status: 503, body: { error: { message: 'no model in this run' } } })),
  ]);
  const busPort = await front(bus.port);
  const poolPort = await front(Number(new URL(sessions.endpoint).port));
  const modelPort = await front(Number(new URL(model.endpoint).port));
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
    FACTORY_TARGET_SUBSCRIPTION_ID: '00000000-0000-4000-8000-000000000000',
    FACTORY_TARGET_RESOURCE_GROUP: 'rg-azure-shaped-products',
    FACTORY_TARGET_LOCATION: 'swedencentral',
    // The template deploys products to Container Apps; this environment has no Resource Manager stand-in for the
    // host yet, so products are deployed as local processes here.
    FACTORY_DEPLOYMENT_TARGET: 'local',
    ...extra.loopback,
  });
  const env: Record<string, string> = {
    ...app.settings,
    // What App Service sets on every instance of the app.
    ...identity.env,
    WEBSITE_AUTH_ENABLED: 'True',
    FUNCTIONS_WORKER_RUNTIME: 'node',
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_EXTRA_CA_CERTS: certificate.caFile,
  };
  return {
    env,
    app,
    caFile: certificate.caFile,
    identity,
    clientId,
    blob,
    cosmos,
    bus,
    sessions,
    ingestion,
    model,
    async stop() {
      await Promise.all(fronts.map((f) => f.close()));
      await Promise.all([
        blob.stop(),
        cosmos.stop(),
        bus.stop(),
        sessions.close(),
        ingestion.close(),
        model.close(),
        identity.close(),
      ]);
      certificate.remove();
    },
  };
}
