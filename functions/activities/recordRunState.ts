import { activities } from '../../core/activities';
import { registerActivity } from './registerActivity';
import type { RunStateInput } from '../../core/workflowContracts';
import { ports } from '../../platform/runtime';
import { applyRunStateChange } from '../../runs/runState';

/** Records an orchestrator's change (status, phase, approval) in the run document. */
export async function recordRunState(input: RunStateInput): Promise<void> {
  await ports().runs.update(input.tenantId, input.runId, (doc) =>
    applyRunStateChange(doc, input.change, input.at),
  );
}

registerActivity(activities.recordRunState, recordRunState);
