import * as df from 'durable-functions';
import {
  apiDesigner,
  businessAnalyst,
  enterpriseArchitect,
  eventDrivenArchitect,
  productManager,
  productOwner,
  solutionArchitect,
  uxDesigner,
  visionArchitect,
} from '../agents/vision-to-architecture';
import { phaseOrchestrator } from './phaseScope';

/**
 * Phase 1: Vision Architect, Product Manager, Product Owner, Business Analyst, UX Designer, Enterprise
 * Architect, Solution Architect, Event-Driven Architect, API Designer, one after another; the gate; then
 * ArchitectureReady.
 */
export const visionToArchitecture = phaseOrchestrator(function* (phase) {
  yield* phase.agent(visionArchitect);
  yield* phase.agent(productManager);
  yield* phase.agent(productOwner);
  yield* phase.agent(businessAnalyst);
  yield* phase.agent(uxDesigner);
  yield* phase.agent(enterpriseArchitect);
  yield* phase.agent(solutionArchitect);
  yield* phase.agent(eventDrivenArchitect);
  yield* phase.agent(apiDesigner);
  const gate = yield* phase.gate();
  if (gate.passed)
    yield* phase.publish('ArchitectureReady', {
      manifest: phase.outputs.filter((r) => r.kind === 'openapi' || r.kind === 'domain-model'),
    });
});

df.app.orchestration('visionToArchitecture', visionToArchitecture);
