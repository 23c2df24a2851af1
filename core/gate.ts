import type { AgentContext } from './agent';
import type { ArtifactKind } from './artifactKinds';
import type { GateCriterion } from './ports/runStore';
import type { PhaseId } from './phases';

export type { GateCriterion };

/**
 * A phase's quality gate: named criteria, each with a value, a threshold and pass/fail, evaluated on the
 * phase's artifacts. The shared gate activity stores the result as an artifact (`gate-report`) and the phase
 * orchestrator decides what a failure means (feedback loop or failed run).
 */
export interface GateDefinition {
  phase: PhaseId;
  /** Artifact kinds the criteria read. */
  reads: ArtifactKind[];
  evaluate(ctx: AgentContext): Promise<GateCriterion[]>;
}

/** A criterion that passes when `value >= threshold`. */
export function atLeast(
  name: string,
  value: number,
  threshold: number,
  findings: string[] = [],
): GateCriterion {
  return { name, value, threshold, passed: value >= threshold, findings };
}

/** A criterion that passes when there are no findings (value = number of findings, threshold 0). */
export function noFindings(name: string, findings: string[]): GateCriterion {
  return { name, value: findings.length, threshold: 0, passed: findings.length === 0, findings };
}
