import * as df from 'durable-functions';
import * as agents from '../agents/vision-to-architecture';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 1: Vision Architect, Product Manager, Product Owner, Business Analyst, UX Designer, Enterprise
 * Architect, Solution Architect, Event-Driven Architect, API Designer, one after another; the gate; then
 * ArchitectureReady.
 */
export const visionToArchitecture = phaseOrchestrator(function* (phase) {
  yield* phase.agent(agents.visionArchitect);
  yield* phase.agent(agents.productManager);
  yield* phase.agent(agents.productOwner);
  yield* phase.agent(agents.businessAnalyst);
  yield* phase.agent(agents.uxDesigner);
  yield* phase.agent(agents.enterpriseArchitect);
  yield* phase.agent(agents.solutionArchitect);
  yield* phase.agent(agents.eventDrivenArchitect);
  yield* phase.agent(agents.apiDesigner);
  const gate = yield* phase.gate();
  if (gate.passed)
    yield* phase.publish('ArchitectureReady', {
      manifest: phase.outputs.filter((r) => r.kind === 'openapi' || r.kind === 'domain-model'),
    });
});

df.app.orchestration('visionToArchitecture', visionToArchitecture);
