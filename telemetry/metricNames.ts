/**
 * What the factory records, by name. Custom event names are the phase events' names (ADR 0017: the workbook
 * and the RunFailed alert read them); metric names are fixed by ADR 0017 (`TokensUsed`) and ADR 0061.
 */
export const metricNames = {
  tokensUsed: 'TokensUsed',
  estimatedCost: 'EstimatedCost',
  agentDuration: 'AgentDuration',
  agentFailures: 'AgentFailures',
  phaseDuration: 'PhaseDuration',
  gatePassRate: 'QualityGatePassRate',
  iterationsPerRun: 'IterationsPerRun',
  runDuration: 'RunDuration',
  runTokens: 'RunTokensUsed',
  runEstimatedCost: 'RunEstimatedCost',
  runAgentCalls: 'RunAgentCalls',
  sandboxExecutions: 'SandboxExecutions',
  commandsDeadLettered: 'CommandsDeadLettered',
} as const;
