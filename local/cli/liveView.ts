import { agentCatalog } from '../../agents/catalog';
import { phases } from '../../core/phases';
import type { RunDocument } from '../../core/ports/runStore';
import { effectiveStatus } from '../../runs/runView';
import type { TraceEntry } from '../durableHost/durableHost';

const roles = new Map(agentCatalog.map((a) => [a.name, a.role]));

export interface AgentLine {
  name: string;
  role: string;
  state: 'running' | 'done' | 'failed' | 'retrying';
  ms: number;
  attempts: number;
  error?: string;
}

export interface PhaseLine {
  id: string;
  title: string;
  state: 'not started' | 'running' | 'passed' | 'failed' | 'waiting for approval' | 'rejected';
  iteration?: number;
  attempt?: number;
  ms?: number;
  agents: AgentLine[];
  gate?: { passed: boolean; passedCount: number; total: number; failed: string[] };
  approval?: { gate: string; decision?: string; by?: string; reason?: string };
  feedback?: number;
}

/** What the live view and `factory status` show: one snapshot of a run. */
export interface RunSnapshot {
  runId: string;
  title: string;
  status: string;
  failure?: { reason: string; message: string };
  iteration: number;
  iterations: number;
  ms: number;
  agentCalls: number;
  tokens: number;
  cost: number;
  phases: PhaseLine[];
  waiting: Array<{ gate: string }>;
}

/** Builds the snapshot from the run document, the host's activity trace and the orchestration's status. */
export function runSnapshot(
  doc: RunDocument,
  trace: TraceEntry[],
  runtime: { runtimeStatus: string; output?: unknown } | undefined,
  now = Date.now(),
): RunSnapshot {
  const { status, failure } = effectiveStatus(doc, runtime);
  const ended = ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(status);
  const end = ended ? Date.parse(doc.updatedAt) : now;
  const phaseLines: PhaseLine[] = phases.map((phase) => {
    const records = doc.phases.filter((p) => p.phase === phase.id);
    const last = records[records.length - 1];
    if (!last) return { id: phase.id, title: phase.title, state: 'not started', agents: [] };
    const suffix = `:${phase.id}:${last.iteration}:${last.attempt}`;
    const byAgent = new Map<string, TraceEntry[]>();
    for (const t of trace) {
      if (!t.instanceId.endsWith(suffix) || !roles.has(t.functionName)) continue;
      byAgent.set(t.functionName, [...(byAgent.get(t.functionName) ?? []), t]);
    }
    const agents: AgentLine[] = [...byAgent].map(([name, runs]) => {
      const latest = runs[runs.length - 1];
      const first = runs[0];
      const state: AgentLine['state'] =
        latest.outcome === 'completed'
          ? 'done'
          : latest.outcome === 'running'
            ? runs.length > 1
              ? 'retrying'
              : 'running'
            : latest.outcome === 'failed' && !ended && last.status === 'Running'
              ? 'retrying'
              : 'failed';
      return {
        name,
        role: roles.get(name)!,
        state,
        ms: (latest.endedAt ? Date.parse(latest.endedAt) : end) - Date.parse(first.startedAt),
        attempts: runs.length,
        error: runs.find((r) => r.error)?.error?.split('\n')[0],
      };
    });
    const gate = doc.gates.find(
      (g) => g.phase === phase.id && g.iteration === last.iteration && g.attempt === last.attempt,
    );
    const approval = [...doc.approvals]
      .reverse()
      .find((a) => a.gate === phase.approvalGate && a.iteration === last.iteration);
    const waiting = approval && !approval.decision;
    const state: PhaseLine['state'] = waiting
      ? 'waiting for approval'
      : last.status === 'Running'
        ? ended
          ? 'failed'
          : 'running'
        : last.status === 'Completed'
          ? 'passed'
          : last.status === 'Rejected'
            ? 'rejected'
            : last.status === 'WaitingForApproval'
              ? 'waiting for approval'
              : 'failed';
    return {
      id: phase.id,
      title: phase.title,
      state,
      iteration: last.iteration,
      attempt: last.attempt,
      ms: (last.endedAt ? Date.parse(last.endedAt) : end) - Date.parse(last.startedAt),
      agents,
      gate: gate && {
        passed: gate.passed,
        passedCount: gate.criteria.filter((c) => c.passed).length,
        total: gate.criteria.length,
        failed: gate.criteria.filter((c) => !c.passed).map((c) => c.name),
      },
      approval: approval && {
        gate: approval.gate,
        decision: approval.decision,
        by: approval.by,
        reason: approval.reason,
      },
      feedback: last.feedback?.length,
    };
  });
  return {
    runId: doc.id,
    title: doc.visionTitle,
    status,
    failure,
    iteration: doc.iteration,
    iterations: doc.options.iterations,
    ms: end - Date.parse(doc.createdAt),
    agentCalls: doc.counters.agentCalls,
    tokens: doc.counters.promptTokens + doc.counters.completionTokens,
    cost: doc.counters.estimatedCost,
    phases: phaseLines,
    waiting: ended ? [] : doc.approvals.filter((a) => !a.decision).map((a) => ({ gate: a.gate })),
  };
}

export function formatElapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, '0')}m`;
}

const colors = { green: 32, red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
type Mark = [keyof typeof colors, string];

/** Each state's colour and glyph; what is under way shows the spinner's current frame. */
const phaseMarks = (spin: string): Record<PhaseLine['state'], Mark> => ({
  passed: ['green', '✔'],
  failed: ['red', '✘'],
  rejected: ['red', '✘'],
  running: ['cyan', spin],
  'waiting for approval': ['yellow', '⏸'],
  'not started': ['dim', '○'],
});
const agentMarks = (spin: string): Record<AgentLine['state'], Mark> => ({
  done: ['green', '✓'],
  running: ['cyan', spin],
  retrying: ['yellow', '↻'],
  failed: ['red', '✗'],
});

/**
 * The run as lines of text: a header, then each phase with its agents, gate and approval. `color` adds ANSI
 * colours (for a terminal); `width` cuts lines so a redraw in place never wraps; `tick` animates the spinner.
 */
export function renderRunView(
  snapshot: RunSnapshot,
  options: { color?: boolean; width?: number; tick?: number; compact?: boolean } = {},
): string[] {
  const paint = (c: keyof typeof colors, text: string) =>
    options.color ? `\x1b[${colors[c]}m${text}\x1b[0m` : text;
  const spin = spinner[(options.tick ?? 0) % spinner.length];
  const statusColor =
    snapshot.status === 'Completed'
      ? 'green'
      : ['Failed', 'Rejected', 'Terminated'].includes(snapshot.status)
        ? 'red'
        : snapshot.status === 'WaitingForApproval'
          ? 'yellow'
          : 'cyan';
  const lines: string[] = [];
  const counters = [
    `${snapshot.agentCalls} agent calls`,
    ...(snapshot.tokens
      ? [`${snapshot.tokens.toLocaleString('en-US')} tokens`, `$${snapshot.cost.toFixed(4)}`]
      : []),
  ].join(' · ');
  lines.push(
    `${paint('bold', snapshot.title)}  ${paint(statusColor, snapshot.status)}  ${paint('dim', `${snapshot.runId} · iteration ${snapshot.iteration}/${snapshot.iterations} · ${formatElapsed(snapshot.ms)} · ${counters}`)}`,
  );
  for (const phase of snapshot.phases) {
    const icon = paint(...phaseMarks(spin)[phase.state]);
    const where = phase.attempt
      ? paint(
          'dim',
          `  attempt ${phase.attempt}${phase.feedback ? `, ${phase.feedback} finding(s) fed back` : ''} · ${formatElapsed(phase.ms ?? 0)}`,
        )
      : '';
    lines.push(`${icon} ${phase.state === 'not started' ? paint('dim', phase.title) : phase.title}${where}`);
    if (phase.state === 'not started') continue;
    // Compact: a finished phase's agents are summed up in one line (a short terminal must hold the frame).
    if (options.compact && (phase.state === 'passed' || phase.state === 'failed')) {
      lines.push(paint('dim', `    ${phase.agents.length} agent(s)`));
    } else
      for (const agent of phase.agents) {
        const mark = paint(...agentMarks(spin)[agent.state]);
        const extra =
          agent.state === 'retrying' || agent.state === 'failed'
            ? paint(
                agent.state === 'failed' ? 'red' : 'yellow',
                `  ${agent.state}${agent.attempts > 1 ? ` (attempt ${agent.attempts})` : ''}${agent.error ? `: ${agent.error}` : ''}`,
              )
            : '';
        lines.push(
          `    ${mark} ${agent.role.padEnd(26)}${paint('dim', formatElapsed(agent.ms).padStart(7))}${extra}`,
        );
      }
    if (phase.gate) {
      lines.push(
        `    ${phase.gate.passed ? paint('green', '✓ quality gate passed') : paint('red', `✗ quality gate failed: ${phase.gate.failed.join(', ')}`)} ${paint('dim', `(${phase.gate.passedCount}/${phase.gate.total} criteria)`)}`,
      );
    }
    if (phase.approval) {
      const a = phase.approval;
      lines.push(
        a.decision
          ? `    ${a.decision === 'approve' ? paint('green', `✓ approved '${a.gate}'`) : paint('red', `✗ ${a.decision} '${a.gate}'`)}${a.reason ? `: ${a.reason}` : ''}${a.by ? ` by ${a.by}` : ''}`
          : `    ${paint('yellow', `⏸ waiting for approval of '${a.gate}'`)}: factory approve ${snapshot.runId} ${a.gate}  (or --reject --reason "...")`,
      );
    }
  }
  if (snapshot.failure) lines.push(paint('red', `${snapshot.failure.reason}: ${snapshot.failure.message}`));
  return options.width ? lines.map((line) => cut(line, options.width!)) : lines;
}

/** Cuts a line to `width` visible characters, keeping ANSI sequences intact. */
// Built from a string: a regular expression literal may not contain the escape character (no-control-regex).
const ansiPattern = new RegExp(`^${String.fromCharCode(27)}\\[[0-9;]*m`);
const ansiAll = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function cut(line: string, width: number): string {
  const plain = line.replace(ansiAll, '');
  if (plain.length <= width) return line;
  let visible = 0;
  let out = '';
  for (let i = 0; i < line.length && visible < width - 1; i++) {
    const ansi = ansiPattern.exec(line.slice(i));
    if (ansi) {
      out += ansi[0];
      i += ansi[0].length - 1;
      continue;
    }
    out += line[i];
    visible++;
  }
  return `${out}…${line.includes('\x1b') ? '\x1b[0m' : ''}`;
}
