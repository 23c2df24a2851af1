import { agentCatalog } from '../../agents/catalog';
import { phases } from '../../orchestrations/phases';
import type { RunDocument } from '../../platform/ports/runStore';
import type { Session } from './session';

const roles = new Map(agentCatalog.map((a) => [a.name, a.role]));
const titles = new Map<string, string>(phases.map((p) => [p.id, p.title]));
const terminal = ['Completed', 'Failed', 'Terminated'];

/**
 * Prints a run's progress as it happens (phases, agents, gates, approvals), one line per change, until the
 * run's orchestration ends or `until` says to stop. Returns the final run document.
 */
export async function followRun(
  session: Session,
  runId: string,
  print: (line: string) => void,
  until: (doc: RunDocument) => boolean = () => false,
  tenantId = session.tenantId,
): Promise<RunDocument> {
  const seen = new Set<string>();
  const say = (key: string, line: string) => {
    if (!seen.has(key)) {
      seen.add(key);
      print(line);
    }
  };
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  for (;;) {
    const doc = await session.ports.runs.get(tenantId, runId);
    const status = session.factory.host.getStatus(runId);
    if (doc) {
      for (const p of doc.phases) {
        const key = `${p.phase}:${p.iteration}:${p.attempt}`;
        say(`start:${key}`, `▶ ${titles.get(p.phase) ?? p.phase}  (iteration ${p.iteration}, attempt ${p.attempt})${p.feedback?.length ? `  with ${p.feedback.length} finding(s) fed back` : ''}`);
        for (const t of session.factory.host.trace(runId)) {
          const role = roles.get(t.functionName);
          if (!role || !t.endedAt || !t.instanceId.includes(`:${p.phase}:${p.iteration}:${p.attempt}`)) continue;
          say(`agent:${t.instanceId}:${t.taskId}:${t.attempt}`, `    ${t.outcome === 'completed' ? '✓' : '✗'} ${role}${t.outcome === 'failed' ? `  (${t.error?.split('\n')[0] ?? 'failed'}; retrying)` : ''}`);
        }
        const gate = doc.gates.find((g) => g.phase === p.phase && g.iteration === p.iteration && g.attempt === p.attempt);
        if (gate) {
          const failed = gate.criteria.filter((c) => !c.passed).map((c) => c.name);
          say(`gate:${key}`, `    ${gate.passed ? '✓ quality gate passed' : `✗ quality gate failed: ${failed.join(', ')}`} (${gate.criteria.length} criteria)`);
        }
        if (p.endedAt) say(`end:${key}`, `  ${p.status === 'Completed' ? 'done' : p.status.toLowerCase()}: ${titles.get(p.phase) ?? p.phase}  [${elapsed()}]`);
      }
      for (const a of doc.approvals) {
        const key = `${a.gate}:${a.iteration}:${a.attempt}`;
        say(`approval:${key}`, `  ⏸ waiting for approval of '${a.gate}': factory approve ${runId} ${a.gate}  (or --reject --reason "...")`);
        if (a.decision) say(`decided:${key}`, `  ${a.decision === 'approve' ? '✓ approved' : `✗ ${a.decision}`} '${a.gate}'${a.reason ? `: ${a.reason}` : ''}${a.by ? ` by ${a.by}` : ''}`);
      }
      if (until(doc)) return doc;
    }
    if (!status || terminal.includes(status.runtimeStatus)) {
      const final = await session.ports.runs.get(tenantId, runId);
      if (!final) throw new Error(`run ${runId} not found`);
      return final;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
