// Service Bus: the `factory-events` topic (phase events out, fanned out by SQL filters on the `type`
// application property) and the `factory-commands` queue (runs started by message). Local (SAS) auth is off.
import { eventSubscription } from 'types.bicep'

param name string
param location string
param tags object

param eventsTopicName string = 'factory-events'
param commandsQueueName string = 'factory-commands'

@description('Window in which a repeated messageId is dropped; publishing is at-least-once and the event id is the messageId.')
param duplicateDetectionWindow string = 'PT10M'

@description('Deliveries of a command before it is dead-lettered.')
@minValue(1)
param commandsMaxDeliveryCount int = 5

param subscriptions eventSubscription[]

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    // Standard is the cheapest tier with topics and duplicate detection.
    name: 'Standard'
    tier: 'Standard'
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
    publicNetworkAccess: 'Enabled'
  }
}

resource eventsTopic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: eventsTopicName
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    defaultMessageTimeToLive: 'P14D'
    maxSizeInMegabytes: 1024
    enableBatchedOperations: true
  }
}

resource topicSubscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for sub in subscriptions: {
    parent: eventsTopic
    name: sub.name
    properties: {
      lockDuration: 'PT1M'
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
      defaultMessageTimeToLive: 'P7D'
    }
  }
]

// A subscription created through ARM gets a match-all `$Default` rule; giving the SQL filter that name
// replaces it, so the subscription receives only the events its filter selects.
resource subscriptionRules 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for (sub, i) in subscriptions: {
    parent: topicSubscriptions[i]
    name: '$Default'
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: sub.sqlFilter
      }
    }
  }
]

resource commandsQueue 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: namespace
  name: commandsQueueName
  properties: {
    lockDuration: 'PT1M'
    maxDeliveryCount: commandsMaxDeliveryCount
    deadLetteringOnMessageExpiration: true
    defaultMessageTimeToLive: 'P1D'
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: duplicateDetectionWindow
    maxSizeInMegabytes: 1024
    enableBatchedOperations: true
  }
}

output id string = namespace.id
output name string = namespace.name
// The endpoint looks like https://<name>.servicebus.windows.net:443/; clients want the bare host name.
output fullyQualifiedNamespace string = split(replace(namespace.properties.serviceBusEndpoint, 'https://', ''), ':')[0]
output eventsTopicName string = eventsTopic.name
output commandsQueueName string = commandsQueue.name
