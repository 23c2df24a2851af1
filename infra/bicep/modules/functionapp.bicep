// The factory's Function App on the Flex Consumption plan (Linux, Node 22), running as a user-assigned
// identity. Every connection is identity-based: the app settings hold endpoints and the identity's client
// id, never a key. App Service Authentication (Entra ID) guards the API; only /api/health is anonymous.
param name string
param planName string
param location string
param tags object

param identityId string
param identityClientId string

param storageAccountName string
param deploymentContainerName string
param artifactsContainerName string
param applicationInsightsName string
param cosmosEndpoint string
param cosmosDatabaseName string
param serviceBusFullyQualifiedNamespace string
param eventsTopicName string
param commandsQueueName string
param openAiEndpoint string
param openAiDeploymentSimple string
param openAiDeploymentCode string
param openAiApiVersion string

@description('Management endpoint of the session pool that runs generated code (ADR 0033).')
param sessionPoolManagementEndpoint string

@description('Path of Chromium inside the session image; empty when it has none.')
param sessionBrowser string

@description('Client id of the Entra ID app registration that represents the factory API.')
param apiClientId string

@description('Subscription that products are deployed to (FACTORY_TARGET_SUBSCRIPTION_ID).')
param targetSubscriptionId string

@description('Resource group that products are deployed to (FACTORY_TARGET_RESOURCE_GROUP).')
param targetResourceGroupName string

@description('Region that products are deployed to (FACTORY_TARGET_LOCATION).')
param targetLocation string

@description('Where generated code is committed (FACTORY_SOURCE_REPOSITORY); empty leaves the setting unset.')
@allowed([
  ''
  'local'
  'azure-repos'
  'github'
])
param sourceRepository string = ''

@description('URL of that repository (FACTORY_SOURCE_REPOSITORY_URL); empty leaves the setting unset.')
param sourceRepositoryUrl string = ''

@description('Upper bound on instances; with the host.json concurrency it bounds concurrent model calls.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 10

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

// Identity-based connections: `<name>__credential` + `<name>__clientId` select the user-assigned identity.
var credential = 'managedidentity'

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy to by this tag.
  tags: union(tags, { 'azd-service-name': 'factory' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        // Node.js 22 LTS; the code also runs on Node 20 (package.json engines), which CI and laptops use.
        version: '22'
      }
    }
  }
}

// Identity-based connections and names: everything that needs no runtime lookup, so that the compiled template
// shows each setting (test/infra checks them).
var settings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: credential
  AzureWebJobsStorage__clientId: identityClientId
  CosmosConnection__accountEndpoint: cosmosEndpoint
  CosmosConnection__credential: credential
  CosmosConnection__clientId: identityClientId
  COSMOS_DATABASE: cosmosDatabaseName
  ArtifactStorage__blobServiceUri: 'https://${storageAccountName}.blob.${environment().suffixes.storage}/'
  ArtifactStorage__credential: credential
  ArtifactStorage__clientId: identityClientId
  ARTIFACTS_CONTAINER: artifactsContainerName
  ServiceBusConnection__fullyQualifiedNamespace: serviceBusFullyQualifiedNamespace
  ServiceBusConnection__credential: credential
  ServiceBusConnection__clientId: identityClientId
  FACTORY_EVENTS_TOPIC: eventsTopicName
  FACTORY_COMMANDS_QUEUE: commandsQueueName
  AZURE_OPENAI_ENDPOINT: openAiEndpoint
  AZURE_OPENAI_DEPLOYMENT_SIMPLE: openAiDeploymentSimple
  AZURE_OPENAI_DEPLOYMENT_CODE: openAiDeploymentCode
  AZURE_OPENAI_API_VERSION: openAiApiVersion
  AZURE_CLIENT_ID: identityClientId
  // With local auth disabled, ingestion needs the Entra token that this tells the SDK to get for the identity.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identityClientId}'
  // Generated code runs in the session pool, never in this worker; without it the sandbox refuses to start.
  SANDBOX_SESSION_POOL_ENDPOINT: sessionPoolManagementEndpoint
  // Phase 3 opens the product's clients in the session's Chromium (ADR 0071).
  SANDBOX_SESSION_BROWSER: sessionBrowser
  FACTORY_AUTH_MODE: 'appservice'
  FACTORY_MODEL: 'azure-openai'
  // Products go to Container Apps in the products resource group (ADR 0054).
  FACTORY_DEPLOYMENT_TARGET: 'azure-container-apps'
  FACTORY_TARGET_SUBSCRIPTION_ID: targetSubscriptionId
  FACTORY_TARGET_RESOURCE_GROUP: targetResourceGroupName
  FACTORY_TARGET_LOCATION: targetLocation
}

// Set only when given: an empty value would not mean "the default" to the code that reads it.
var sourceRepositorySettings = union(
  empty(sourceRepository) ? {} : { FACTORY_SOURCE_REPOSITORY: sourceRepository },
  empty(sourceRepositoryUrl) ? {} : { FACTORY_SOURCE_REPOSITORY_URL: sourceRepositoryUrl }
)

// Flex Consumption sets the worker runtime and host version from functionAppConfig, so neither
// FUNCTIONS_WORKER_RUNTIME nor FUNCTIONS_EXTENSION_VERSION appear here.
resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    ...settings
    // The connection string only routes telemetry (no key is used with local auth disabled).
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    ...sourceRepositorySettings
  }
}

// Bearer tokens for the API app registration are validated by the platform, which then passes the caller
// as x-ms-client-principal; the app trusts that header only with FACTORY_AUTH_MODE=appservice.
// No client secret: the API only validates tokens, it never signs users in.
// The site's configuration writes go one after another (appsettings, auth, publishing policies): parallel
// writes to one site conflict (409) or overwrite each other.
resource auth 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'authsettingsV2'
  dependsOn: [
    appSettings
  ]
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
      excludedPaths: [
        '/api/health'
        '/api/openapi.json'
      ]
    }
    httpSettings: {
      requireHttps: true
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: apiClientId
          openIdIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
        }
        validation: {
          allowedAudiences: [
            'api://${apiClientId}'
            apiClientId
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// Deployments go through Entra-authenticated APIs; publishing with basic credentials is switched off.
resource ftpPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'ftp'
  dependsOn: [
    auth
  ]
  properties: {
    allow: false
  }
}

resource scmPublishing 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-04-01' = {
  parent: site
  name: 'scm'
  dependsOn: [
    ftpPublishing
  ]
  properties: {
    allow: false
  }
}

output id string = site.id
output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output url string = 'https://${site.properties.defaultHostName}'
