import type { OrchestrationContext, Task } from 'durable-functions';
import { activities } from '../core/activities';
import type { ArtifactRef } from '../core/agent';
import type { PhaseId } from '../core/phases';
import type { PhaseInput, PhaseResult } from '../core/workflowContracts';
import type { Step } from './callActivity';

/** One step of a phase: an agent, or agents that run side by side. */
export type PhaseStep = string | string[];

type PlannedTask = { call: string } | { all: PlannedTask[] };

const shared = new Set(Object.values(activities).map((activity) => activity.name));
const ref: ArtifactRef = { path: 'planned', sha256: '', kind: 'context-manifest' };

function answer(task: PlannedTask): unknown {
  if ('all' in task) return task.all.map(answer);
  if (task.call === activities.evaluateGate.name)
    return { passed: true, criteria: [], findings: [], report: ref };
  if (task.call === activities.sealPhase.name) return ref;
  if (task.call === activities.publishEvent.name) return { id: 'planned' };
  if (shared.has(task.call)) return undefined;
  return { status: 'done', agent: task.call, artifacts: [] };
}

/**
 * The agents a phase orchestrator calls when every gate passes, read from the orchestrator itself: it is driven
 * with a context that answers each call at once, so the order written in the orchestrator is the only source.
 * Used to show and measure the phase graph (tests, benchmarks), never to run a phase.
 */
export function phaseSteps(
  orchestrator: (context: OrchestrationContext) => Step<PhaseResult>,
  phase: PhaseId,
): PhaseStep[] {
  const input: PhaseInput = {
    runId: 'planned',
    tenantId: 'planned',
    phase,
    iteration: 1,
    attempt: 1,
    model: 'blueprint',
    manifest: ref,
    feedback: [],
  };
  const df = {
    getInput: () => input,
    setCustomStatus: () => undefined,
    currentUtcDateTime: new Date(0),
    callActivityWithRetry: (name: string): PlannedTask => ({ call: name }),
    Task: { all: (tasks: PlannedTask[]): PlannedTask => ({ all: tasks }) },
  };
  // Only the members above are used by phase orchestrators; the rest of the context is never reached.
  const run = orchestrator({ df } as unknown as OrchestrationContext);
  const steps: PhaseStep[] = [];
  for (let next = run.next(); !next.done;) {
    const task = next.value as unknown as PlannedTask;
    if ('all' in task) steps.push(task.all.map((t) => ('call' in t ? t.call : '?')));
    else if (!shared.has(task.call)) steps.push(task.call);
    next = run.next(answer(task) as Task);
  }
  return steps;
}
