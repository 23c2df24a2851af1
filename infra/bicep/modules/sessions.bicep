// Where generated code runs in Azure (ADR 0033): a Container Apps environment and a custom-container session
// pool. Each session is a Hyper-V isolated container; outbound network traffic is disabled, and the pool has
// no managed identity, so nothing in a session can obtain a token. The factory reaches the pool through its
// management endpoint with the Session Executor role (access.bicep).
param environmentName string
param poolName string
param location string
param tags object

@description('Log Analytics workspace that receives the environment\'s logs, session console logs included.')
param logAnalyticsName string

@description('Session image: Node.js 20 and the factory\'s session server listening on targetPort (ADR 0033).')
param image string

@description('Port the session server listens on.')
param targetPort int = 8080

@description('CPU cores per session.')
param cpu string = '1.0'

@description('Memory per session (Container Apps pairs 2Gi with one core).')
param memory string = '2Gi'

@minValue(1)
@maxValue(600)
param maxConcurrentSessions int = 20

@minValue(0)
param readySessionInstances int = 2

@description('Idle seconds before the pool destroys a session the factory did not delete.')
@minValue(300)
@maxValue(3600)
param cooldownPeriodInSeconds int = 300

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsName
}

// Custom-container pools need a workload-profiles environment. Logs go through Azure Monitor (a diagnostic
// setting) because the workspace accepts no shared key.
resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: environmentName
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'azure-monitor'
    }
    workloadProfiles: [
      {
        name: 'Consumption'
        workloadProfileType: 'Consumption'
      }
    ]
  }
}

resource environmentLogs 'Microsoft.Insights/diagnosticSettings@2021-05-01-preview' = {
  name: 'logs'
  scope: environment
  properties: {
    workspaceId: logAnalytics.id
    logs: [
      {
        categoryGroup: 'allLogs'
        enabled: true
      }
    ]
  }
}

resource pool 'Microsoft.App/sessionPools@2025-01-01' = {
  name: poolName
  location: location
  tags: tags
  properties: {
    environmentId: environment.id
    poolManagementType: 'Dynamic'
    containerType: 'CustomContainer'
    scaleConfiguration: {
      maxConcurrentSessions: maxConcurrentSessions
      readySessionInstances: readySessionInstances
    }
    dynamicPoolConfiguration: {
      lifecycleConfiguration: {
        lifecycleType: 'Timed'
        cooldownPeriodInSeconds: cooldownPeriodInSeconds
      }
    }
    customContainerTemplate: {
      containers: [
        {
          name: 'session'
          image: image
          resources: {
            cpu: json(cpu)
            memory: memory
          }
        }
      ]
      ingress: {
        targetPort: targetPort
      }
    }
    sessionNetworkConfiguration: {
      status: 'EgressDisabled'
    }
  }
}

output id string = pool.id
output name string = pool.name
output poolManagementEndpoint string = pool.properties.poolManagementEndpoint
