import type { AgentDefinition } from '../../core/agent';
import { apiDesigner } from './apiDesigner';
import { businessAnalyst } from './businessAnalyst';
import { enterpriseArchitect } from './enterpriseArchitect';
import { eventDrivenArchitect } from './eventDrivenArchitect';
import { productManager } from './productManager';
import { productOwner } from './productOwner';
import { solutionArchitect } from './solutionArchitect';
import { uxDesigner } from './uxDesigner';
import { visionArchitect } from './visionArchitect';

/** The agents of phase 1, in the order the phase runs them. */
export const visionToArchitectureAgents: Array<AgentDefinition<unknown>> = [
  visionArchitect,
  productManager,
  productOwner,
  businessAnalyst,
  uxDesigner,
  enterpriseArchitect,
  solutionArchitect,
  eventDrivenArchitect,
  apiDesigner,
] as Array<AgentDefinition<unknown>>;

export {
  apiDesigner,
  businessAnalyst,
  enterpriseArchitect,
  eventDrivenArchitect,
  productManager,
  productOwner,
  solutionArchitect,
  uxDesigner,
  visionArchitect,
};
