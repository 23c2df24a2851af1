import * as df from 'durable-functions';
import { visionToArchitectureAgents } from '../agents/vision-to-architecture';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 1: Vision Architect, Product Manager, Product Owner, Business Analyst, UX Designer, Enterprise
 * Architect, Solution Architect, Event-Driven Architect, API Designer, one after another; the gate; then
 * ArchitectureReady.
 */
export const visionToArchitecture = phaseOrchestrator(function* (phase) {
  for (const agent of visionToArchitectureAgents) yield* phase.agent(agent);
  const gate = yield* phase.gate();
  if (gate.passed)
    yield* phase.publish('ArchitectureReady', {
      manifest: phase.outputs.filter((r) => r.kind === 'openapi' || r.kind === 'domain-model'),
    });
});

df.app.orchestration('visionToArchitecture', visionToArchitecture);
