import { agentCatalog } from '../../agents/catalog';
import { phases } from '../../core/phases';
import type { RunDocument } from '../../core/ports/runStore';
import { buildRunReport, storeRunReport, writeReportFile } from '../../runs/report';
import { renderRunView, runSnapshot } from './liveView';
import type { Session } from './session';

const roles = new Map(agentCatalog.map((a) => [a.name, a.role]));
const titles = new Map<string, string>(phases.map((p) => [p.id, p.title]));
const terminal = ['Completed', 'Failed', 'Terminated'];

/** A terminal the live view may redraw in place. */
export interface LiveTerminal {
  isTTY?: boolean;
  columns?: number;
  rows?: number;
  write(text: string): unknown;
}

/**
 * Follows a run until its orchestration ends or `until` says to stop; returns the final run document.
 * On a terminal (`live` given and a TTY) the run's view is redrawn in place: phases, agents with their state
 * and time, gates, approvals. Otherwise it prints one line per change through `print`.
 */
export async function followRun(
  session: Session,
  runId: string,
  print: (line: string) => void,
  until: (doc: RunDocument) => boolean = () => false,
  tenantId = session.tenantId,
  live?: LiveTerminal,
): Promise<RunDocument> {
  const view = live?.isTTY ? new InPlaceView(live) : undefined;
  const lines = new LineLog(print);
  const started = Date.now();
  let tick = 0;
  try {
    for (;;) {
      const doc = await session.ports.runs.get(tenantId, runId);
      const status = session.factory.runStatus(tenantId, runId);
      if (doc) {
        const trace = session.factory.runTrace(tenantId, runId);
        if (view) view.draw(frame(runSnapshot(doc, trace, status), live!, tick++));
        else lines.update(doc, runId, trace, started);
        if (until(doc)) return doc;
      }
      if (!status || terminal.includes(status.runtimeStatus)) {
        const final = await session.ports.runs.get(tenantId, runId);
        if (!final) throw new Error(`run ${runId} not found`);
        if (view)
          view.draw(
            frame(
              runSnapshot(
                final,
                session.factory.runTrace(tenantId, runId),
                session.factory.runStatus(tenantId, runId),
              ),
              live!,
              0,
            ),
          );
        return final;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    view?.end();
  }
}

/** The view sized for the terminal: compact when the full view is taller than the screen, never wrapping. */
function frame(snapshot: ReturnType<typeof runSnapshot>, terminal: LiveTerminal, tick: number): string[] {
  const options = { color: true, width: terminal.columns ?? 120, tick };
  const maxLines = Math.max(5, (terminal.rows ?? 50) - 1);
  let lines = renderRunView(snapshot, options);
  if (lines.length > maxLines) lines = renderRunView(snapshot, { ...options, compact: true });
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines - 1), `… ${lines.length - maxLines + 1} more line(s)`]
    : lines;
}

/** Redraws a block of lines in place: cursor up over the previous frame, clear to the end, write the new one. */
class InPlaceView {
  private height = 0;
  private last = '';
  constructor(private readonly terminal: LiveTerminal) {
    terminal.write('\x1b[?25l');
  }

  draw(lines: string[]): void {
    const frame = lines.join('\n');
    if (frame === this.last) return;
    this.last = frame;
    const up = this.height > 0 ? `\x1b[${this.height}F` : '';
    this.terminal.write(`${up}\x1b[J${frame}\n`);
    this.height = lines.length;
  }

  end(): void {
    this.terminal.write('\x1b[?25h');
  }
}

/** The plain, append-only form: one line per change (logs, pipes, CI). */
class LineLog {
  private readonly seen = new Set<string>();
  constructor(private readonly print: (line: string) => void) {}

  private say(key: string, line: string): void {
    if (!this.seen.has(key)) {
      this.seen.add(key);
      this.print(line);
    }
  }

  update(
    doc: RunDocument,
    runId: string,
    trace: ReturnType<Session['factory']['runTrace']>,
    started: number,
  ): void {
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
    for (const p of doc.phases) {
      const key = `${p.phase}:${p.iteration}:${p.attempt}`;
      this.say(
        `start:${key}`,
        `▶ ${titles.get(p.phase) ?? p.phase}  (iteration ${p.iteration}, attempt ${p.attempt})${p.feedback?.length ? `  with ${p.feedback.length} finding(s) fed back` : ''}`,
      );
      for (const t of trace) {
        const role = roles.get(t.functionName);
        if (!role || !t.endedAt || !t.instanceId.includes(`:${p.phase}:${p.iteration}:${p.attempt}`))
          continue;
        this.say(
          `agent:${t.instanceId}:${t.taskId}:${t.attempt}`,
          `    ${t.outcome === 'completed' ? '✓' : '✗'} ${role}${t.outcome === 'failed' ? `  (${t.error?.split('\n')[0] ?? 'failed'}; retrying)` : ''}`,
        );
      }
      const gate = doc.gates.find(
        (g) => g.phase === p.phase && g.iteration === p.iteration && g.attempt === p.attempt,
      );
      if (gate) {
        const failed = gate.criteria.filter((c) => !c.passed).map((c) => c.name);
        this.say(
          `gate:${key}`,
          `    ${gate.passed ? '✓ quality gate passed' : `✗ quality gate failed: ${failed.join(', ')}`} (${gate.criteria.length} criteria)`,
        );
      }
      if (p.endedAt)
        this.say(
          `end:${key}`,
          `  ${p.status === 'Completed' ? 'done' : p.status.toLowerCase()}: ${titles.get(p.phase) ?? p.phase}  [${elapsed()}]`,
        );
    }
    for (const a of doc.approvals) {
      const key = `${a.gate}:${a.iteration}:${a.attempt}`;
      this.say(
        `approval:${key}`,
        `  ⏸ waiting for approval of '${a.gate}': factory approve ${runId} ${a.gate}  (or --reject --reason "...")`,
      );
      if (a.decision)
        this.say(
          `decided:${key}`,
          `  ${a.decision === 'approve' ? '✓ approved' : `✗ ${a.decision}`} '${a.gate}'${a.reason ? `: ${a.reason}` : ''}${a.by ? ` by ${a.by}` : ''}`,
        );
    }
  }
}

/**
 * Writes `<FACTORY_HOME>/reports/<tenantId>/<runId>.html`, the file a person opens: the report the workflow stored
 * when the run ended. A run that ended without reaching that step (cancelled, or its orchestrator failed) has none;
 * then the report is built here, with the host's status and trace, and stored as the run's `run-report` artifact.
 */
export async function saveLocalRunReport(
  session: Session,
  tenantId: string,
  runId: string,
): Promise<{ file: string; artifact: string }> {
  const { artifacts } = session.ports;
  const written = (await artifacts.list(tenantId, runId)).find((a) => a.kind === 'run-report');
  if (written) {
    const page = (await artifacts.get(tenantId, runId, written.path)).toString('utf8');
    return { file: await writeReportFile(session.home, tenantId, runId, page), artifact: written.path };
  }
  const page = await buildRunReport(session.ports, tenantId, runId, {
    trace: session.factory.runTrace(tenantId, runId),
    runtime: session.factory.runStatus(tenantId, runId),
  });
  const stored = await storeRunReport(artifacts, tenantId, runId, page);
  return { file: await writeReportFile(session.home, tenantId, runId, page), artifact: stored.path };
}
