import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { bicepString } from '../../../toolchain/escaping/bicepString';
import { commentText } from '../../../toolchain/escaping/commentText';
import { markdownText } from '../../../toolchain/escaping/markdownText';

/**
 * Bicep for the generated product (`infra/`): one Azure Container App per service (one service per bounded
 * context) in a shared Container Apps environment, PostgreSQL Flexible Server with Entra-only authentication
 * and one database per service, a Service Bus namespace with the domain-events topic and a subscription per
 * service, Log Analytics + Application Insights, a container registry, and one user-assigned identity that
 * the apps run as, with one role assignment per role it needs; a gateway app gives the clients and the APIs one
 * origin, under an identity that may only pull its image. No secrets: every connection is keyless.
 */
export interface ProductInfrastructure {
  files: Array<{ path: string; content: string }>;
  services: string[];
}

export interface InfrastructureOptions {
  feedback?: string[];
}

const abbreviations = {
  appContainerApps: 'ca-',
  appManagedEnvironments: 'cae-',
  containerRegistryRegistries: 'cr',
  dBforPostgreSQLServers: 'psql-',
  insightsComponents: 'appi-',
  managedIdentityUserAssignedIdentities: 'id-',
  operationalInsightsWorkspaces: 'log-',
  serviceBusNamespaces: 'sb-',
};

const mainBicep = (
  product: string,
) => `// ${commentText(product)}: the product's Azure resources. Deploy with:
//   az deployment group create -g <resource-group> -f main.bicep -p main.dev.bicepparam
targetScope = 'resourceGroup'

@minLength(1)
@maxLength(32)
@description('Environment name (dev, prod, ...): part of every resource name and tag.')
param environmentName string

@description('Azure region for every resource.')
param location string = resourceGroup().location

@description('Services to host: one container app and one database each.')
param services array

@description('Container image tag deployed for every service; empty starts new apps on a public placeholder image (scaled to zero) until their first release is rolled out as a revision.')
param imageTag string = 'latest'

@description('Services whose container app already serves a release: their revisions are rolled out blue/green by the deployment target, so the template leaves these apps as they are.')
param deployedServices array = []

@description('The gateway app already serves a release: the deployment target rolls out its revisions, so the template leaves it as it is.')
param gatewayDeployed bool = false

@description('The factory run this product instance belongs to (set by the deployment target): part of every resource name, so the products of two runs never share a resource.')
param instance string = ''

@description('Application (client) id of the app registration of the product API in Microsoft Entra ID (the deployment target registers it): the audience of the access tokens its services accept.')
param apiClientId string

@description('Minimum replicas per container app (0 lets dev scale to zero).')
param minReplicas int = 0

@description('Maximum replicas per container app.')
param maxReplicas int = 3

@description('PostgreSQL compute tier and SKU.')
param postgresTier string = 'Burstable'
param postgresSku string = 'Standard_B1ms'

@description('Zone-redundant high availability for PostgreSQL (prod).')
param postgresHighAvailability bool = false

@description('Days of logs kept in Log Analytics.')
param logRetentionDays int = 30

@description('Object id and name of the Entra principal that administers PostgreSQL besides the app identity (optional).')
param postgresAdminPrincipalId string = ''
param postgresAdminPrincipalName string = ''

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, environmentName, instance))
var tags = { 'azd-env-name': environmentName, product: ${bicepString(product)}, 'factory-instance': instance }
var appNames = [for service in services: take('\${abbrs.appContainerApps}\${service}-\${resourceToken}', 32)]
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'
// The product's one origin (web app, PWA, /api/<service>/); \`web\` is reserved for it among service names.
var gatewayName = take('\${abbrs.appContainerApps}web-\${resourceToken}', 32)

module identity 'modules/identity.bicep' = {
  name: 'identity'
  params: {
    name: '\${abbrs.managedIdentityUserAssignedIdentities}${product}-\${resourceToken}'
    location: location
    tags: tags
  }
}

// The gateway's own identity may only pull its image: it serves pages and forwards requests, and reaches no data.
module gatewayIdentity 'modules/identity.bicep' = {
  name: 'gateway-identity'
  params: {
    name: '\${abbrs.managedIdentityUserAssignedIdentities}${product}-web-\${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    logAnalyticsName: '\${abbrs.operationalInsightsWorkspaces}${product}-\${resourceToken}'
    applicationInsightsName: '\${abbrs.insightsComponents}${product}-\${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logRetentionDays
  }
}

module registry 'modules/registry.bicep' = {
  name: 'registry'
  params: {
    name: take('\${abbrs.containerRegistryRegistries}\${replace('${product}', '-', '')}\${resourceToken}', 50)
    location: location
    tags: tags
    pullPrincipalIds: [identity.outputs.principalId, gatewayIdentity.outputs.principalId]
  }
}

module messaging 'modules/servicebus.bicep' = {
  name: 'messaging'
  params: {
    name: '\${abbrs.serviceBusNamespaces}${product}-\${resourceToken}'
    location: location
    tags: tags
    topicName: 'domain-events'
    subscriptions: services
    principalId: identity.outputs.principalId
  }
}

module database 'modules/postgres.bicep' = {
  name: 'database'
  params: {
    name: '\${abbrs.dBforPostgreSQLServers}${product}-\${resourceToken}'
    location: location
    tags: tags
    databases: services
    tier: postgresTier
    sku: postgresSku
    highAvailability: postgresHighAvailability
    identityPrincipalId: identity.outputs.principalId
    identityName: identity.outputs.name
    adminPrincipalId: postgresAdminPrincipalId
    adminPrincipalName: postgresAdminPrincipalName
  }
}

module environment 'modules/containerAppsEnvironment.bicep' = {
  name: 'container-apps-environment'
  params: {
    name: '\${abbrs.appManagedEnvironments}${product}-\${resourceToken}'
    location: location
    tags: tags
    logAnalyticsWorkspaceName: monitoring.outputs.logAnalyticsName
  }
}

module apps 'modules/containerApp.bicep' = [
  for (service, i) in services: if (!contains(deployedServices, service)) {
    name: 'app-\${service}'
    params: {
      name: appNames[i]
      serviceName: service
      location: location
      tags: union(tags, { 'azd-service-name': service })
      environmentId: environment.outputs.id
      identityId: identity.outputs.id
      identityClientId: identity.outputs.clientId
      registryServer: registry.outputs.loginServer
      image: empty(imageTag) ? placeholderImage : '\${registry.outputs.loginServer}/${product}-\${service}:\${imageTag}'
      minReplicas: empty(imageTag) ? 0 : minReplicas
      maxReplicas: maxReplicas
      env: [
        { name: 'AZURE_CLIENT_ID', value: identity.outputs.clientId }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: monitoring.outputs.applicationInsightsConnectionString }
        { name: 'PGHOST', value: database.outputs.fqdn }
        { name: 'PGDATABASE', value: service }
        { name: 'PGUSER', value: identity.outputs.name }
        { name: 'PGSSLMODE', value: 'require' }
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: messaging.outputs.fullyQualifiedNamespace }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__clientId', value: identity.outputs.clientId }
        { name: 'DOMAIN_EVENTS_TOPIC', value: messaging.outputs.topicName }
        { name: 'DOMAIN_EVENTS_SUBSCRIPTION', value: service }
        // Bearer tokens of this tenant's Entra ID for the product API (v2.0 tokens; keys fetched and cached).
        { name: 'AUTH_ISSUER', value: '\${az.environment().authentication.loginEndpoint}\${tenant().tenantId}/v2.0' }
        { name: 'AUTH_AUDIENCE', value: apiClientId }
        { name: 'AUTH_JWKS_URL', value: '\${az.environment().authentication.loginEndpoint}\${tenant().tenantId}/discovery/v2.0/keys' }
      ]
    }
  }
]

module gateway 'modules/containerApp.bicep' = if (!gatewayDeployed) {
  name: 'app-web'
  params: {
    name: gatewayName
    serviceName: 'web'
    location: location
    tags: union(tags, { 'azd-service-name': 'web' })
    environmentId: environment.outputs.id
    identityId: gatewayIdentity.outputs.id
    identityClientId: gatewayIdentity.outputs.clientId
    registryServer: registry.outputs.loginServer
    image: empty(imageTag) ? placeholderImage : '\${registry.outputs.loginServer}/${product}-web:\${imageTag}'
    minReplicas: empty(imageTag) ? 0 : minReplicas
    maxReplicas: maxReplicas
    healthPath: '/healthz'
    env: [
      // Each service inside the environment by its app name: the platform routes to its live revision.
      { name: 'GATEWAY_ROUTES', value: string(toObject(range(0, length(services)), i => services[i], i => 'http://\${appNames[i]}')) }
      // The web app and PWA sign in with Entra ID (MSAL.js) as a single-page app of the product API's registration,
      // whose redirect URIs the deployment registers, for tokens of the API's user_impersonation scope.
      { name: 'GATEWAY_SIGN_IN', value: string({ method: 'entra', clientId: apiClientId, authority: '\${az.environment().authentication.loginEndpoint}\${tenant().tenantId}', scopes: [ 'api://\${apiClientId}/user_impersonation' ] }) }
    ]
  }
}

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = registry.outputs.loginServer
output AZURE_CONTAINER_REGISTRY_NAME string = registry.outputs.name
output POSTGRES_HOST string = database.outputs.fqdn
output SERVICE_BUS_NAMESPACE string = messaging.outputs.fullyQualifiedNamespace
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
output SERVICE_APPS array = [for (service, i) in services: { service: service, app: appNames[i] }]
output GATEWAY_APP string = gatewayName
`;

const identityBicep = `// A user-assigned identity (the services' or the gateway's); roles are granted to it resource by resource.
param name string
param location string
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId
`;

const monitoringBicep = `// Logs and traces: Application Insights backed by a Log Analytics workspace (also used by Container Apps).
param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object
param retentionInDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: retentionInDays
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

output logAnalyticsName string = workspace.name
output applicationInsightsConnectionString string = insights.properties.ConnectionString
`;

const registryBicep = `// Images of the services and the gateway; pulled by their identities (AcrPull), no admin user.
@minLength(5)
@maxLength(50)
param name string
param location string
param tags object
param pullPrincipalIds array

var acrPull = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '7f951dda-4ed3-4680-a7ca-43fe172d538d')

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Basic' }
  properties: { adminUserEnabled: false }
}

resource pull 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for principalId in pullPrincipalIds: {
    scope: registry
    name: guid(registry.id, principalId, acrPull)
    properties: { roleDefinitionId: acrPull, principalId: principalId, principalType: 'ServicePrincipal' }
  }
]

output name string = registry.name
output loginServer string = registry.properties.loginServer
`;

const serviceBusBicep = `// Domain events: one topic, one subscription per service; the app identity may send and receive.
param name string
param location string
param tags object
param topicName string
param subscriptions array
param principalId string

var sender = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39')
var receiver = subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0')

resource namespace 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: { name: 'Standard', tier: 'Standard' }
  properties: { disableLocalAuth: true, minimumTlsVersion: '1.2' }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = {
  parent: namespace
  name: topicName
  properties: { defaultMessageTimeToLive: 'P14D', requiresDuplicateDetection: true, duplicateDetectionHistoryTimeWindow: 'PT10M' }
}

resource subscription 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [
  for service in subscriptions: {
    parent: topic
    name: service
    properties: { maxDeliveryCount: 10, deadLetteringOnMessageExpiration: true, lockDuration: 'PT1M' }
  }
]

resource send 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: namespace
  name: guid(namespace.id, principalId, sender)
  properties: { roleDefinitionId: sender, principalId: principalId, principalType: 'ServicePrincipal' }
}

resource receive 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: namespace
  name: guid(namespace.id, principalId, receiver)
  properties: { roleDefinitionId: receiver, principalId: principalId, principalType: 'ServicePrincipal' }
}

output fullyQualifiedNamespace string = '\${namespace.name}.servicebus.windows.net'
output topicName string = topic.name
`;

const postgresBicep = `// PostgreSQL Flexible Server, Entra ID authentication only (no passwords), one database per service.
// The app identity is an Entra administrator so each service can run its own migrations at start-up.
param name string
param location string
param tags object
param databases array
param tier string
param sku string
param highAvailability bool
param identityPrincipalId string
param identityName string
param adminPrincipalId string
param adminPrincipalName string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2023-12-01-preview' = {
  name: name
  location: location
  tags: tags
  sku: { name: sku, tier: tier }
  properties: {
    version: '16'
    storage: { storageSizeGB: 32, autoGrow: 'Enabled' }
    backup: { backupRetentionDays: 7, geoRedundantBackup: 'Disabled' }
    highAvailability: { mode: highAvailability ? 'ZoneRedundant' : 'Disabled' }
    authConfig: { activeDirectoryAuth: 'Enabled', passwordAuth: 'Disabled', tenantId: subscription().tenantId }
  }
}

resource allowAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2023-12-01-preview' = {
  parent: server
  name: 'allow-azure-services'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource appAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2023-12-01-preview' = {
  parent: server
  name: identityPrincipalId
  properties: { principalName: identityName, principalType: 'ServicePrincipal', tenantId: subscription().tenantId }
  dependsOn: [allowAzure]
}

resource personAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2023-12-01-preview' = if (!empty(adminPrincipalId)) {
  parent: server
  name: empty(adminPrincipalId) ? 'unused' : adminPrincipalId
  properties: { principalName: adminPrincipalName, principalType: 'User', tenantId: subscription().tenantId }
  dependsOn: [appAdmin]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-12-01-preview' = [
  for db in databases: {
    parent: server
    name: db
    properties: { charset: 'UTF8', collation: 'en_US.utf8' }
  }
]

output fqdn string = server.properties.fullyQualifiedDomainName
`;

const environmentBicep = `// The Container Apps environment shared by every service, logging to Log Analytics.
param name string
param location string
param tags object
param logAnalyticsWorkspaceName string

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource environment 'Microsoft.App/managedEnvironments@2024-03-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: workspace.properties.customerId, sharedKey: workspace.listKeys().primarySharedKey }
    }
  }
}

output id string = environment.id
`;

const containerAppBicep = `// One app of the product (a service, or the gateway): HTTPS ingress on port 8080, runs as the identity it is
// given, health probes on its health path. Several revisions may be active at once (blue/green): the deployment
// target moves the traffic between them.
param name string
param serviceName string
param location string
param tags object
param environmentId string
param identityId string
param identityClientId string
param registryServer string
param image string
param minReplicas int
param maxReplicas int
param env array
param healthPath string = '/health'

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  tags: tags
  identity: { type: 'UserAssigned', userAssignedIdentities: { '\${identityId}': {} } }
  properties: {
    managedEnvironmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Multiple'
      ingress: { external: true, targetPort: 8080, transport: 'auto', allowInsecure: false }
      registries: [{ server: registryServer, identity: identityId }]
    }
    template: {
      containers: [
        {
          name: serviceName
          image: image
          env: concat(env, [{ name: 'SERVICE_NAME', value: serviceName }, { name: 'MANAGED_IDENTITY_CLIENT_ID', value: identityClientId }])
          resources: { cpu: json('0.5'), memory: '1Gi' }
          probes: [
            { type: 'Liveness', httpGet: { path: healthPath, port: 8080 }, periodSeconds: 30 }
            { type: 'Readiness', httpGet: { path: healthPath, port: 8080 }, periodSeconds: 10 }
          ]
        }
      ]
      scale: { minReplicas: minReplicas, maxReplicas: maxReplicas, rules: [{ name: 'http', http: { metadata: { concurrentRequests: '50' } } }] }
    }
  }
}

output fqdn string = app.properties.configuration.ingress.fqdn
`;

function params(environment: 'dev' | 'prod', services: string[]): string {
  const prod = environment === 'prod';
  return `using 'main.bicep'

param environmentName = '${environment}'
// The product API's app registration (the factory's deployment target makes one); by hand: azd env set PRODUCT_API_CLIENT_ID <appId>.
param apiClientId = readEnvironmentVariable('PRODUCT_API_CLIENT_ID', '')
param services = [
${services.map((s) => `  ${bicepString(s)}`).join('\n')}
]
param imageTag = '${prod ? 'stable' : 'latest'}'
param minReplicas = ${prod ? 1 : 0}
param maxReplicas = ${prod ? 10 : 2}
param postgresTier = '${prod ? 'GeneralPurpose' : 'Burstable'}'
param postgresSku = '${prod ? 'Standard_D2ds_v5' : 'Standard_B1ms'}'
param postgresHighAvailability = ${prod ? 'true' : 'false'}
param logRetentionDays = ${prod ? 90 : 30}
`;
}

export function generateProductInfrastructure(
  model: DomainModel,
  options: InfrastructureOptions = {},
): ProductInfrastructure {
  const product = model.product.slug;
  const services = model.contexts.map((c) => c.slug);
  const feedback = options.feedback ?? [];
  const readme = `# ${markdownText(model.product.name)}: infrastructure

\`main.bicep\` provisions the product in one resource group:

| Resource | Purpose |
| --- | --- |
| Container Apps environment + one container app per service (${services.join(', ')}) | hosting, HTTPS ingress, scale rules |
| Gateway container app \`web\` + its own identity (AcrPull only) | the web app at \`/\`, the PWA at \`/app/\`, each service's API at \`/api/<service>/\`: one origin |
| PostgreSQL Flexible Server, Entra ID auth only, one database per service | each service owns its data |
| Service Bus namespace, topic \`domain-events\`, one subscription per service | domain events between services |
| Log Analytics + Application Insights | logs, traces, metrics |
| Container registry | service images |
| User-assigned identity + role assignments (AcrPull, Service Bus Data Sender/Receiver, PostgreSQL Entra admin) | keyless access |

Deploy: \`az deployment group create -g <rg> -f main.bicep -p main.dev.bicepparam\` (or \`main.prod.bicepparam\`).
Settings the services read are in \`config/app-settings.json\`.
${feedback.length ? `\n## Review findings considered in this revision\n\n${feedback.map((f) => `- ${f}`).join('\n')}\n` : ''}`;
  const appSettings = {
    description: 'Environment variables every container app receives (values resolved at deployment)',
    settings: [
      'AZURE_CLIENT_ID',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'PGHOST',
      'PGDATABASE',
      'PGUSER',
      'PGSSLMODE',
      'ServiceBusConnection__fullyQualifiedNamespace',
      'ServiceBusConnection__credential',
      'ServiceBusConnection__clientId',
      'DOMAIN_EVENTS_TOPIC',
      'DOMAIN_EVENTS_SUBSCRIPTION',
      'SERVICE_NAME',
    ],
    services: Object.fromEntries(
      services.map((s) => [s, { database: s, subscription: s, image: `${product}-${s}` }]),
    ),
  };
  return {
    services,
    files: [
      { path: 'main.bicep', content: mainBicep(product) },
      { path: 'main.dev.bicepparam', content: params('dev', services) },
      { path: 'main.prod.bicepparam', content: params('prod', services) },
      { path: 'abbreviations.json', content: `${JSON.stringify(abbreviations, null, 2)}\n` },
      { path: 'config/app-settings.json', content: `${JSON.stringify(appSettings, null, 2)}\n` },
      { path: 'modules/identity.bicep', content: identityBicep },
      { path: 'modules/monitoring.bicep', content: monitoringBicep },
      { path: 'modules/registry.bicep', content: registryBicep },
      { path: 'modules/servicebus.bicep', content: serviceBusBicep },
      { path: 'modules/postgres.bicep', content: postgresBicep },
      { path: 'modules/containerAppsEnvironment.bicep', content: environmentBicep },
      { path: 'modules/containerApp.bicep', content: containerAppBicep },
      { path: 'README.md', content: readme },
    ],
  };
}
