// A shared workbook over Application Insights: runs, phases, gates and token spend. It reads the factory's
// telemetry contract: custom events named like the phase events (RunStarted, RunCompleted, RunFailed,
// PhaseStarted, PhaseCompleted, QualityGatePassed, QualityGateFailed, ApprovalRequested/Granted/Rejected)
// and the custom metric TokensUsed, with the dimensions runId, tenantId, phase, agent (and gate) where
// they apply.
param name string = guid(resourceGroup().id, 'factory-workbook')
param displayName string
param location string
param tags object
param applicationInsightsId string

var dims = 'runId = tostring(customDimensions.runId), tenantId = tostring(customDimensions.tenantId), phase = tostring(customDimensions.phase), agent = tostring(customDimensions.agent)'

var queries = {
  runs: 'customEvents | where name in ("RunStarted", "RunCompleted", "RunFailed") | extend ${dims} | summarize started = min(timestamp), arg_max(timestamp, name) by runId, tenantId | project runId, tenantId, status = name, started, lastUpdate = timestamp, minutes = datetime_diff("minute", timestamp, started) | order by started desc'
  runOutcomes: 'customEvents | where name in ("RunCompleted", "RunFailed") | summarize count() by name, bin(timestamp, 1d) | render columnchart'
  phases: 'customEvents | where name in ("PhaseStarted", "PhaseCompleted", "RunFailed") | extend ${dims} | where isnotempty(phase) | summarize started = countif(name == "PhaseStarted"), completed = countif(name == "PhaseCompleted"), runsFailedHere = countif(name == "RunFailed") by phase | order by phase asc'
  phaseDurations: 'customEvents | where name in ("PhaseStarted", "PhaseCompleted") | extend ${dims} | summarize s = minif(timestamp, name == "PhaseStarted"), e = maxif(timestamp, name == "PhaseCompleted") by runId, phase | where isnotnull(e) | summarize p50 = percentile(datetime_diff("second", e, s), 50), p95 = percentile(datetime_diff("second", e, s), 95) by phase'
  gates: 'customEvents | where name in ("QualityGatePassed", "QualityGateFailed") | extend ${dims}, gate = tostring(customDimensions.gate) | summarize passed = countif(name == "QualityGatePassed"), failed = countif(name == "QualityGateFailed") by phase, gate | extend passRate = round(100.0 * passed / (passed + failed), 1) | order by phase asc'
  approvals: 'customEvents | where name in ("ApprovalRequested", "ApprovalGranted", "ApprovalRejected") | extend ${dims} | summarize requested = countif(name == "ApprovalRequested"), granted = countif(name == "ApprovalGranted"), rejected = countif(name == "ApprovalRejected") by tenantId'
  tokensByAgent: 'customMetrics | where name == "TokensUsed" | extend ${dims} | summarize tokens = sum(valueSum) by agent, bin(timestamp, 1h) | render timechart'
  tokensByTenant: 'customMetrics | where name == "TokensUsed" | extend ${dims} | summarize tokens = sum(valueSum), runs = dcount(runId) by tenantId, phase | order by tokens desc'
}

var items = [
  {
    type: 1
    name: 'title'
    content: {
      json: '## Software factory\nRuns, phases, gates and token spend from the factory\'s custom events and metrics.'
    }
  }
  query('runs', 'Runs', queries.runs, 'table')
  query('run-outcomes', 'Run outcomes per day', queries.runOutcomes, 'barchart')
  query('phases', 'Phases', queries.phases, 'table')
  query('phase-durations', 'Phase duration (seconds)', queries.phaseDurations, 'table')
  query('gates', 'Quality gates', queries.gates, 'table')
  query('approvals', 'Approvals', queries.approvals, 'table')
  query('tokens-by-agent', 'Token spend by agent', queries.tokensByAgent, 'timechart')
  query('tokens-by-tenant', 'Token spend by tenant and phase', queries.tokensByTenant, 'table')
]

func query(name string, title string, kql string, visualization string) object => {
  type: 3
  name: name
  content: {
    version: 'KqlItem/1.0'
    title: title
    query: kql
    size: 0
    timeContext: {
      durationMs: 604800000
    }
    queryType: 0
    resourceType: 'microsoft.insights/components'
    visualization: visualization
  }
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: name
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: displayName
    category: 'workbook'
    sourceId: applicationInsightsId
    version: '1.0'
    serializedData: string({
      version: 'Notebook/1.0'
      items: items
      fallbackResourceIds: [
        applicationInsightsId
      ]
    })
  }
}

output id string = workbook.id
