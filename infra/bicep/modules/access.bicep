// Data-plane role assignments for one principal (the app's identity, optionally a developer), each at the
// narrowest scope that serves it. Control-plane roles are never granted. Names come from guid() so that
// re-deployments are idempotent.
// The names are seeded with principalKey rather than the object id, which for a new identity is known
// only during deployment; re-creating an identity under the same name needs its old assignments removed.
@description('Object id of the principal.')
param principalId string

@allowed([
  'ServicePrincipal'
  'User'
  'Group'
])
param principalType string

@description('Known before deployment (a resource id, or the object id itself); seeds the assignment names so that What-If can predict them.')
param principalKey string
param storageAccountName string
param serviceBusNamespaceName string
param cosmosAccountName string
param openAiAccountName string
param applicationInsightsName string

@description('Session pool that runs generated code (ADR 0033).')
param sessionPoolName string

@description('Queue whose Service Bus trigger must scale from zero: the principal gets Data Owner on it; empty for none.')
param triggerQueueName string = ''

// Built-in role definition ids (the same in every tenant).
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419'
  cognitiveServicesOpenAiUser: '5e0bd9bd-7b93-4f28-af87-19fc36ad61bd'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  // Azure ContainerApps Session Executor: calls the pool management endpoint, nothing on the pool resource.
  containerAppsSessionExecutor: '0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0'
  // Cosmos DB's own data-plane RBAC, not Azure RBAC.
  cosmosBuiltInDataContributor: '00000000-0000-0000-0000-000000000002'
}

// Blob Data Owner (not Contributor) because the Functions host manages blob leases and containers for
// AzureWebJobsStorage; queues and tables carry the durable task hub.
var storageRoles = [
  roles.storageBlobDataOwner
  roles.storageQueueDataContributor
  roles.storageTableDataContributor
]

// The namespace holds only the factory's topic and queue, so namespace scope grants no more than per-entity.
var serviceBusRoles = [
  roles.serviceBusDataSender
  roles.serviceBusDataReceiver
]

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource serviceBus 'Microsoft.ServiceBus/namespaces@2024-01-01' existing = {
  name: serviceBusNamespaceName
}

resource triggerQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' existing = if (!empty(triggerQueueName)) {
  parent: serviceBus
  name: triggerQueueName
}

resource cosmos 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: cosmosAccountName
}

resource openAi 'Microsoft.CognitiveServices/accounts@2024-10-01' existing = {
  name: openAiAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource sessionPool 'Microsoft.App/sessionPools@2025-01-01' existing = {
  name: sessionPoolName
}

resource storageAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in storageRoles: {
    name: guid(storage.id, principalKey, roleId)
    scope: storage
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

resource serviceBusAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in serviceBusRoles: {
    name: guid(serviceBus.id, principalKey, roleId)
    scope: serviceBus
    properties: {
      principalId: principalId
      principalType: principalType
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
    }
  }
]

// On Flex Consumption the platform's scale controller reads the trigger queue's message count with the app's
// identity, which needs the Manage right; of the built-in roles only Data Owner has it (the Functions Service Bus
// binding documentation lists it for triggers). Scoped to the one queue, not the namespace.
resource triggerQueueOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(triggerQueueName)) {
  name: guid(triggerQueue.id, principalKey, roles.serviceBusDataOwner)
  scope: triggerQueue
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusDataOwner)
  }
}

resource openAiUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(openAi.id, principalKey, roles.cognitiveServicesOpenAiUser)
  scope: openAi
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.cognitiveServicesOpenAiUser
    )
  }
}

// Needed to send telemetry to an Application Insights resource whose local auth is disabled.
resource metricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, principalKey, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.monitoringMetricsPublisher
    )
  }
}

// Scoped to the one pool: executing sessions there is all the factory does with it.
resource sessionExecutor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(sessionPool.id, principalKey, roles.containerAppsSessionExecutor)
  scope: sessionPool
  properties: {
    principalId: principalId
    principalType: principalType
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      roles.containerAppsSessionExecutor
    )
  }
}

resource cosmosDataContributor 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = {
  parent: cosmos
  name: guid(cosmos.id, principalKey, roles.cosmosBuiltInDataContributor)
  properties: {
    principalId: principalId
    roleDefinitionId: '${cosmos.id}/sqlRoleDefinitions/${roles.cosmosBuiltInDataContributor}'
    scope: cosmos.id
  }
}
