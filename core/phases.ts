/**
 * The six phases, in order: the only place the sequence is written down. `orchestrator` is the phase's
 * sub-orchestration; `approvalGate` the name a person approves it under (`approvals: ["architecture"]`);
 * `reworkPhase` where a failed gate sends the work back to, with the gate's findings as feedback.
 */
export const phases = [
  {
    id: 'vision-to-architecture',
    title: 'Vision to Architecture',
    orchestrator: 'visionToArchitecture',
    approvalGate: 'architecture',
    reworkPhase: 'vision-to-architecture',
  },
  {
    id: 'architecture-to-development',
    title: 'Architecture to Development',
    orchestrator: 'architectureToDevelopment',
    approvalGate: 'development',
    reworkPhase: 'architecture-to-development',
  },
  {
    id: 'development-to-testing',
    title: 'Development to Testing',
    orchestrator: 'developmentToTesting',
    approvalGate: 'testing',
    reworkPhase: 'architecture-to-development',
  },
  {
    id: 'testing-to-deployment',
    title: 'Testing to Deployment',
    orchestrator: 'testingToDeployment',
    approvalGate: 'release',
    reworkPhase: 'architecture-to-development',
  },
  {
    id: 'deployment-to-production',
    title: 'Deployment to Production',
    orchestrator: 'deploymentToProduction',
    approvalGate: 'production',
    reworkPhase: 'development-to-testing',
  },
  {
    id: 'production-to-optimization',
    title: 'Production to Optimization',
    orchestrator: 'productionToOptimization',
    approvalGate: 'optimization',
    reworkPhase: 'deployment-to-production',
  },
] as const;

export type Phase = (typeof phases)[number];
export type PhaseId = Phase['id'];

export function phaseById(id: string): Phase {
  const phase = phases.find((p) => p.id === id);
  if (!phase) throw new Error(`unknown phase '${id}'`);
  return phase;
}

export const approvalGates: string[] = phases.map((p) => p.approvalGate);
