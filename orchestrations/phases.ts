/** The six phases, in order: the only place the sequence is written down. */
export const phases = [
  { id: 'vision-to-architecture', title: 'Vision to Architecture', approvalGate: 'architecture' },
  { id: 'architecture-to-development', title: 'Architecture to Development', approvalGate: 'development' },
  { id: 'development-to-testing', title: 'Development to Testing', approvalGate: 'testing' },
  { id: 'testing-to-deployment', title: 'Testing to Deployment', approvalGate: 'release' },
  { id: 'deployment-to-production', title: 'Deployment to Production', approvalGate: 'production' },
  { id: 'production-to-optimization', title: 'Production to Optimization', approvalGate: 'optimization' },
] as const;

export type PhaseId = (typeof phases)[number]['id'];
