// The software factory on Azure: one resource group per azd environment, one module per concern.
// Subscription scope so that `azd up` (and the pipeline) create the resource group too.
targetScope = 'subscription'

import { eventSubscription, modelDeployment } from 'modules/types.bicep'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it names the resource group and seeds resource names.')
param environmentName string

@minLength(1)
@description('Primary region for all resources.')
param location string

@description('Region for Azure OpenAI, where the chosen models have quota; empty for the primary region.')
param openAiLocation string = ''

@minLength(36)
@maxLength(36)
@description('Client id of the Entra ID app registration that represents the factory API (App Service Authentication).')
param apiClientId string

@description('Object id of a developer to grant the same data-plane roles as the app (azd sets AZURE_PRINCIPAL_ID); empty for none.')
param principalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

// Model defaults: GA models open to new deployments as of December 2026 (Microsoft Foundry "Model retirement
// schedule", Azure OpenAI table: gpt-5.4-mini 2026-03-17 and gpt-5.4 2026-03-05 are GA; the gpt-4o and gpt-4.1
// families are deprecated). Deployments follow the service's new default versions; see ADR 0056.
@description('Cheaper model, for the text-heavy roles (AZURE_OPENAI_DEPLOYMENT_SIMPLE): model name, also the deployment name.')
param simpleModelName string = 'gpt-5.4-mini'

@description('Version of the simple model.')
param simpleModelVersion string = '2026-03-17'

@description('Deployment SKU of the simple model, e.g. GlobalStandard or DataZoneStandard.')
param simpleModelSku string = 'GlobalStandard'

@description('Capacity of the simple model in thousands of tokens per minute (needs that much quota).')
@minValue(1)
param simpleModelCapacity int = 50

@description('Stronger model, for code generation and review (AZURE_OPENAI_DEPLOYMENT_CODE): model name, also the deployment name.')
param codeModelName string = 'gpt-5.4'

@description('Version of the code model.')
param codeModelVersion string = '2026-03-05'

@description('Deployment SKU of the code model.')
param codeModelSku string = 'GlobalStandard'

@description('Capacity of the code model in thousands of tokens per minute (needs that much quota).')
@minValue(1)
param codeModelCapacity int = 50

@description('Azure OpenAI data-plane API version the app uses: the dated version that serves the GPT-5 series on chat completions with structured outputs.')
param openAiApiVersion string = '2025-04-01-preview'

@description('Event subscriptions on factory-events, each with a SQL filter on the `type` application property.')
param eventSubscriptions eventSubscription[] = [
  {
    name: 'deployments'
    sqlFilter: 'type IN (\'factory.DeploymentSuccessful\', \'factory.DeploymentFailed\')'
  }
  {
    name: 'approvals'
    sqlFilter: 'type = \'factory.ApprovalRequested\''
  }
  {
    name: 'run-outcomes'
    sqlFilter: 'type IN (\'factory.RunCompleted\', \'factory.RunFailed\')'
  }
]

@description('Upper bound on Function App instances (bounds concurrent model calls together with host.json).')
param functionMaximumInstanceCount int = 10

@description('Artifacts move to the cool tier after this many days without change.')
param artifactsCoolAfterDays int = 30

@description('Artifacts are deleted after this many days without change.')
param artifactsDeleteAfterDays int = 365

@description('E-mail address for alerts; empty for none.')
param alertEmail string = ''

@description('Resource group that products are deployed to; empty for rg-<environmentName>-products, in the primary region.')
param productsResourceGroupName string = ''

@description('Where generated code is committed (FACTORY_SOURCE_REPOSITORY: local, azure-repos or github); empty leaves it unset.')
@allowed([
  ''
  'local'
  'azure-repos'
  'github'
])
param sourceRepository string = ''

@description('URL of that repository (FACTORY_SOURCE_REPOSITORY_URL); empty leaves it unset.')
param sourceRepositoryUrl string = ''

@description('Image of the session pool that runs generated code: Node.js 20 and the session server, built from infra/sessions/Dockerfile (ADR 0033). The default is only its Node.js base: without the session server, sandbox runs fail until a built image is set.')
param sessionImage string = 'docker.io/library/node:20-bookworm-slim'

@description('Path of Chromium inside the session image (SANDBOX_SESSION_BROWSER): phase 3 opens the product\'s web app and PWA in it. The image built from infra/sessions/Dockerfile has Debian\'s at this path; empty for an image without a browser (the check is then skipped and says why).')
param sessionBrowser string = '/usr/lib/chromium/chromium'

var simpleModel modelDeployment = {
  name: simpleModelName
  model: simpleModelName
  version: simpleModelVersion
  sku: simpleModelSku
  capacity: simpleModelCapacity
}
var codeModel modelDeployment = {
  name: codeModelName
  model: codeModelName
  version: codeModelVersion
  sku: codeModelSku
  capacity: codeModelCapacity
}

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
// Names are computed here, not read from module outputs, so that What-If can predict every resource id.
var names = {
  resourceGroup: '${abbrs.resourcesResourceGroups}${environmentName}'
  productsResourceGroup: empty(productsResourceGroupName)
    ? '${abbrs.resourcesResourceGroups}${environmentName}-products'
    : productsResourceGroupName
  identity: '${abbrs.managedIdentityUserAssignedIdentities}factory-${resourceToken}'
  logAnalytics: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
  applicationInsights: '${abbrs.insightsComponents}${resourceToken}'
  storage: '${abbrs.storageStorageAccounts}${resourceToken}'
  serviceBus: '${abbrs.serviceBusNamespaces}${resourceToken}'
  cosmos: '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
  openAi: '${abbrs.cognitiveServicesAccounts}${resourceToken}'
  functionApp: '${abbrs.webSitesFunctions}${resourceToken}'
  plan: '${abbrs.webServerFarms}${resourceToken}'
  containerAppsEnvironment: '${abbrs.appManagedEnvironments}${resourceToken}'
  // Session pool names allow lower-case letters and digits only.
  sessionPool: 'sessions${resourceToken}'
}
// Known before deployment, so that What-If can predict the trigger queue's role assignment.
var commandsQueueName = 'factory-commands'
// The identity's resource id, known before deployment: it seeds the names of its role assignments.
var identityKey = '${subscription().id}/resourceGroups/${names.resourceGroup}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${names.identity}'
var tags = {
  'azd-env-name': environmentName
  application: 'software-factory'
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.resourceGroup
  location: location
  tags: tags
}

// Products are deployed here by the factory (FACTORY_DEPLOYMENT_TARGET=azure-container-apps), apart from the
// factory's own resources, so that the factory's rights there grant nothing over itself (ADR 0054).
resource productsRg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: names.productsResourceGroup
  location: location
  tags: union(tags, { purpose: 'factory-products' })
}

module identity 'modules/identity.bicep' = {
  scope: rg
  params: {
    name: names.identity
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  scope: rg
  params: {
    logAnalyticsName: names.logAnalytics
    applicationInsightsName: names.applicationInsights
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  scope: rg
  params: {
    name: names.storage
    location: location
    tags: tags
    artifactsContainerName: 'artifacts'
    artifactsCoolAfterDays: artifactsCoolAfterDays
    artifactsDeleteAfterDays: artifactsDeleteAfterDays
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  scope: rg
  params: {
    name: names.serviceBus
    location: location
    tags: tags
    eventsTopicName: 'factory-events'
    commandsQueueName: commandsQueueName
    subscriptions: eventSubscriptions
  }
}

module cosmos 'modules/cosmos.bicep' = {
  scope: rg
  params: {
    name: names.cosmos
    location: location
    tags: tags
    databaseName: 'factory'
    runsContainerName: 'runs'
  }
}

module openAi 'modules/openai.bicep' = {
  scope: rg
  params: {
    name: names.openAi
    location: empty(openAiLocation) ? location : openAiLocation
    tags: tags
    deployments: [
      simpleModel
      codeModel
    ]
  }
}

module sessions 'modules/sessions.bicep' = {
  scope: rg
  params: {
    environmentName: names.containerAppsEnvironment
    poolName: names.sessionPool
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    image: sessionImage
  }
  dependsOn: [
    monitoring
  ]
}

module appAccess 'modules/access.bicep' = {
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    principalType: 'ServicePrincipal'
    principalKey: identityKey
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    cosmosAccountName: names.cosmos
    openAiAccountName: names.openAi
    applicationInsightsName: names.applicationInsights
    sessionPoolName: names.sessionPool
    triggerQueueName: commandsQueueName
  }
  dependsOn: [
    storage
    serviceBus
    cosmos
    openAi
    monitoring
    sessions
  ]
}

// Lets a developer run the factory locally against the provisioned resources with `az login`.
module developerAccess 'modules/access.bicep' = if (!empty(principalId)) {
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    principalKey: principalId
    storageAccountName: names.storage
    serviceBusNamespaceName: names.serviceBus
    cosmosAccountName: names.cosmos
    openAiAccountName: names.openAi
    applicationInsightsName: names.applicationInsights
    sessionPoolName: names.sessionPool
  }
  // After the app's assignments: both write sqlRoleAssignments on the one Cosmos account, which rejects
  // concurrent role assignment writes.
  dependsOn: [
    appAccess
  ]
}

module productTarget 'modules/productTarget.bicep' = {
  scope: productsRg
  params: {
    principalId: identity.outputs.principalId
    principalKey: identityKey
  }
}

module functionApp 'modules/functionapp.bicep' = {
  scope: rg
  params: {
    name: names.functionApp
    planName: names.plan
    location: location
    tags: tags
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: names.storage
    deploymentContainerName: storage.outputs.deploymentContainerName
    artifactsContainerName: storage.outputs.artifactsContainerName
    applicationInsightsName: names.applicationInsights
    cosmosEndpoint: cosmos.outputs.endpoint
    cosmosDatabaseName: cosmos.outputs.databaseName
    serviceBusFullyQualifiedNamespace: serviceBus.outputs.fullyQualifiedNamespace
    eventsTopicName: serviceBus.outputs.eventsTopicName
    commandsQueueName: serviceBus.outputs.commandsQueueName
    openAiEndpoint: openAi.outputs.endpoint
    openAiDeploymentSimple: simpleModel.name
    openAiDeploymentCode: codeModel.name
    openAiApiVersion: openAiApiVersion
    sessionPoolManagementEndpoint: sessions.outputs.poolManagementEndpoint
    sessionBrowser: sessionBrowser
    apiClientId: apiClientId
    targetSubscriptionId: subscription().subscriptionId
    targetResourceGroupName: productsRg.name
    targetLocation: productsRg.location
    sourceRepository: sourceRepository
    sourceRepositoryUrl: sourceRepositoryUrl
    maximumInstanceCount: functionMaximumInstanceCount
  }
  // The host starts as soon as the site exists; its identity must already be able to reach storage.
  dependsOn: [
    appAccess
    monitoring
  ]
}

module alerts 'modules/alerts.bicep' = {
  scope: rg
  params: {
    namePrefix: resourceToken
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    serviceBusNamespaceId: serviceBus.outputs.id
    commandsQueueName: serviceBus.outputs.commandsQueueName
    alertEmail: alertEmail
  }
}

module workbook 'modules/workbook.bicep' = {
  scope: rg
  params: {
    displayName: 'Software factory (${environmentName})'
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
  }
}

// Names and endpoints only; no keys or connection strings (azd stores outputs in its .env file).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_CLIENT_ID string = identity.outputs.clientId
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output FACTORY_API_URL string = functionApp.outputs.url
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output ArtifactStorage__blobServiceUri string = storage.outputs.blobEndpoint
output ARTIFACTS_CONTAINER string = storage.outputs.artifactsContainerName
output CosmosConnection__accountEndpoint string = cosmos.outputs.endpoint
output COSMOS_DATABASE string = cosmos.outputs.databaseName
output ServiceBusConnection__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output FACTORY_EVENTS_TOPIC string = serviceBus.outputs.eventsTopicName
output FACTORY_COMMANDS_QUEUE string = serviceBus.outputs.commandsQueueName
output AZURE_OPENAI_ENDPOINT string = openAi.outputs.endpoint
output AZURE_OPENAI_DEPLOYMENT_SIMPLE string = simpleModel.name
output AZURE_OPENAI_DEPLOYMENT_CODE string = codeModel.name
output AZURE_OPENAI_API_VERSION string = openAiApiVersion
output APPLICATIONINSIGHTS_NAME string = monitoring.outputs.applicationInsightsName
output FACTORY_TARGET_RESOURCE_GROUP string = productsRg.name
output SANDBOX_SESSION_POOL_ENDPOINT string = sessions.outputs.poolManagementEndpoint
