// Alerts on what needs a person: a run that failed (RunFailed custom event) and a command that was
// dead-lettered (Service Bus DeadletteredMessages on the commands queue). Notifications go to an optional
// e-mail action group.
param namePrefix string
param location string
param tags object

param applicationInsightsId string
param serviceBusNamespaceId string
param commandsQueueName string

@description('E-mail address that receives alerts; empty for no notifications (alerts still fire in the portal).')
param alertEmail string = ''

var notify = !empty(alertEmail)

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (notify) {
  name: 'ag-${namePrefix}'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'factory'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = notify
  ? {
      actionGroups: [
        actionGroup.id
      ]
    }
  : {}

resource runFailed 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = {
  name: 'sqr-${namePrefix}-run-failed'
  location: location
  tags: tags
  properties: {
    displayName: 'Factory run failed'
    description: 'A factory run ended in failure (customEvents name == RunFailed).'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'customEvents | where name == "RunFailed" | extend runId = tostring(customDimensions.runId), tenantId = tostring(customDimensions.tenantId), phase = tostring(customDimensions.phase)'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          dimensions: [
            {
              name: 'tenantId'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    autoMitigate: false
    actions: actions
  }
}

resource deadLettered 'Microsoft.Insights/metricAlerts@2018-03-01' = {
  name: 'ma-${namePrefix}-commands-deadlettered'
  location: 'global'
  tags: tags
  properties: {
    description: 'Commands on ${commandsQueueName} were dead-lettered (delivery count or expiry exceeded).'
    severity: 2
    enabled: true
    scopes: [
      serviceBusNamespaceId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    criteria: {
      'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
      allOf: [
        {
          criterionType: 'StaticThresholdCriterion'
          name: 'DeadletteredCommands'
          metricNamespace: 'Microsoft.ServiceBus/namespaces'
          metricName: 'DeadletteredMessages'
          dimensions: [
            {
              name: 'EntityName'
              operator: 'Include'
              values: [
                commandsQueueName
              ]
            }
          ]
          operator: 'GreaterThan'
          threshold: 0
          timeAggregation: 'Maximum'
        }
      ]
    }
    autoMitigate: true
    actions: notify
      ? [
          {
            actionGroupId: actionGroup.id
          }
        ]
      : []
  }
}

output runFailedAlertId string = runFailed.id
output deadLetteredAlertId string = deadLettered.id
