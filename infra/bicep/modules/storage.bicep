// One storage account for the Functions runtime (AzureWebJobsStorage), the durable task hub (queues, tables,
// large-message blobs), the Flex Consumption deployment package and the factory's artifacts. Shared keys are
// off: every client, the runtime included, authenticates with the app's managed identity.
param name string
param location string
param tags object

@description('Container the Flex Consumption plan deploys the app package from.')
param deploymentContainerName string = 'app-package'

@description('Container for run artifacts (ARTIFACTS_CONTAINER).')
param artifactsContainerName string = 'artifacts'

@description('Artifacts move to the cool tier this many days after their last change.')
@minValue(1)
param artifactsCoolAfterDays int = 30

@description('Artifacts are deleted this many days after their last change.')
@minValue(1)
param artifactsDeleteAfterDays int = 365

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    allowBlobPublicAccess: false
    allowCrossTenantReplication: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    // Soft delete gives a week to recover an artifact removed by mistake.
    deleteRetentionPolicy: {
      enabled: true
      days: 7
    }
    containerDeleteRetentionPolicy: {
      enabled: true
      days: 7
    }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource artifactsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: artifactsContainerName
  properties: {
    publicAccess: 'None'
  }
}

// Artifacts are read mostly while their run is active; old ones are tiered down, then deleted.
// Only the artifacts container is touched: the task hub and the deployment package keep their blobs.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2024-01-01' = {
  parent: storage
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'artifacts-tiering-and-expiry'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: [
                'blockBlob'
              ]
              prefixMatch: [
                '${artifactsContainer.name}/'
              ]
            }
            actions: {
              baseBlob: {
                tierToCool: {
                  daysAfterModificationGreaterThan: artifactsCoolAfterDays
                }
                delete: {
                  daysAfterModificationGreaterThan: artifactsDeleteAfterDays
                }
              }
              snapshot: {
                delete: {
                  daysAfterCreationGreaterThan: 30
                }
              }
            }
          }
        }
      ]
    }
  }
}

output id string = storage.id
output name string = storage.name
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output queueEndpoint string = storage.properties.primaryEndpoints.queue
output tableEndpoint string = storage.properties.primaryEndpoints.table
output deploymentContainerName string = deploymentContainer.name
output artifactsContainerName string = artifactsContainer.name
