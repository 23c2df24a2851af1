import type { StoredArtifact } from '../core/ports/artifactStore';
import type { RunDocument } from '../core/ports/runStore';
import type { RunStateChange } from '../core/workflowContracts';

/**
 * Applies one orchestrator change to the run document. Idempotent: applying the same change twice (an
 * activity that ran again) leaves the document as applying it once did.
 */
export function applyRunStateChange(doc: RunDocument, change: RunStateChange, at: string): void {
  doc.updatedAt = at;
  switch (change.kind) {
    case 'run-status':
      doc.status = change.status;
      doc.iteration = change.iteration;
      if (change.phase) doc.currentPhase = change.phase;
      if (change.status === 'Failed' || change.status === 'Rejected') {
        doc.failure = { reason: change.reason ?? change.status.toLowerCase(), message: change.message ?? '' };
      } else if (change.status === 'Running' || change.status === 'Completed') {
        delete doc.failure;
      }
      return;
    case 'phase-started': {
      doc.currentPhase = change.phase;
      doc.iteration = change.iteration;
      const existing = findPhase(doc, change);
      if (!existing) {
        doc.phases.push({
          phase: change.phase,
          iteration: change.iteration,
          attempt: change.attempt,
          status: 'Running',
          startedAt: at,
          feedback: change.feedback.length ? change.feedback : undefined,
        });
      }
      return;
    }
    case 'phase-ended': {
      const existing = findPhase(doc, change);
      if (existing && existing.status === 'Running') {
        existing.status = change.status;
        existing.endedAt = at;
      }
      return;
    }
    case 'approval-requested': {
      const found = doc.approvals.find(
        (a) => a.gate === change.gate && a.iteration === change.iteration && a.attempt === change.attempt,
      );
      if (!found)
        doc.approvals.push({
          gate: change.gate,
          iteration: change.iteration,
          attempt: change.attempt,
          requestedAt: at,
        });
      return;
    }
    case 'approval-decided': {
      const found = doc.approvals.find(
        (a) => a.gate === change.gate && a.iteration === change.iteration && a.attempt === change.attempt,
      );
      if (found && !found.decision) {
        found.decision = change.decision;
        found.reason = change.reason;
        found.by = change.by;
        found.decidedAt = at;
      }
      return;
    }
  }
}

function findPhase(doc: RunDocument, key: { phase: string; iteration: number; attempt: number }) {
  return doc.phases.find(
    (p) => p.phase === key.phase && p.iteration === key.iteration && p.attempt === key.attempt,
  );
}

/** Adds artifacts to the run's index, once per path. */
export function indexArtifacts(doc: RunDocument, entries: StoredArtifact[]): void {
  const known = new Set(doc.artifacts.map((a) => a.path));
  for (const entry of entries) {
    if (!known.has(entry.path)) {
      doc.artifacts.push(entry);
      known.add(entry.path);
    }
  }
}
