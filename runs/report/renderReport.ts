import { agentCatalog } from '../../agents/catalog';
import { phases } from '../../core/phases';
import type { ActivityExecution } from '../../core/ports/activityTrace';
import type { StoredArtifact } from '../../core/ports/artifactStore';
import type { CloudEvent } from '../../core/ports/eventBus';
import type { RunDocument, RunStatus } from '../../core/ports/runStore';
import { phaseState } from '../runView';
import { html, raw, type Html } from './html';
import { renderMarkdown } from './markdown';
import { renderMermaid } from './mermaid';
import { renderOpenApi } from './openapi';
import { domainModelSchema } from '../../toolchain/schemas/domainModel';
import { ruleCoverage, type RuleCoverage } from '../../toolchain/backend/ruleCoverage';
import { renderProductChanges, type ProductChanges } from '../../agents/blueprint/change/productChanges';
import type { PullRequestRecord } from '../../agents/architecture-to-development/pullRequestCreator';
import { reportCss, reportScript } from './style';

/** Everything a report shows, gathered beforehand so rendering is a pure function. */
export interface ReportData {
  doc: RunDocument;
  status: RunStatus;
  failure?: { reason: string; message: string };
  events: Array<CloudEvent & { published?: boolean }>;
  artifacts: StoredArtifact[];
  /** Artifact bodies to show inline, by path (absent: listed only). */
  contents: Map<string, Buffer>;
  /** Activity executions with start and end, when the host that ran the run keeps them. */
  trace?: ActivityExecution[];
  generatedAt: Date;
  /** The Application Insights operation id (trace id) of the run. */
  operationId?: string;
  /** Where the artifacts are stored, for people who want the files. */
  location?: string;
  /** How the host that wrote the report confines generated code (the sandbox's own sentence). */
  isolation?: string;
}

const roleOf = new Map(agentCatalog.map((a) => [a.name, a.role]));
const titleOf = new Map<string, string>(phases.map((p) => [p.id, p.title]));
const phaseTitle = (id: string) => titleOf.get(id) ?? id;

const statusClass = (status: string) =>
  ({
    Completed: 'ok',
    Passed: 'ok',
    Running: 'running',
    WaitingForApproval: 'waiting',
    Pending: 'pending',
    NotStarted: 'pending',
    Failed: 'bad',
    Rejected: 'bad',
    Terminated: 'bad',
  })[status] ?? 'pending';

function fmtDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const fmtTime = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
const anchor = (path: string) => `artifact-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** A self-contained HTML page (inline CSS and script, no network) describing one run. */
export function renderRunReport(data: ReportData): string {
  const { doc } = data;
  const ended = ['Completed', 'Failed', 'Rejected', 'Terminated'].includes(data.status);
  const endTime = ended ? Date.parse(doc.updatedAt) : data.generatedAt.getTime();
  const coverage = coverageOf(data);
  const changed = changesOf(data);
  const body = html` <header class="top">
      <div>
        <p class="eyebrow">Software factory run report</p>
        <h1>${doc.visionTitle}</h1>
        <p class="muted">
          <code>${doc.id}</code> · tenant <code>${doc.tenantId}</code> · model
          <code>${doc.options.model}</code
          >${doc.options.model === 'blueprint' ? ' (the deterministic offline engine, not a language model)' : ''}
        </p>
      </div>
      <span class="badge big ${statusClass(data.status)}">${data.status}</span>
    </header>
    ${data.failure ? html`<div class="alert"><strong>${data.failure.reason}</strong>: ${data.failure.message}</div>` : ''}
    <nav class="toc">
      ${[
        'Flow',
        ...(changed ? ['Changes'] : []),
        'Timeline',
        'Gates',
        'Rules',
        'Approvals',
        'Usage',
        'Events',
        'Artifacts',
      ].map((s) => html`<a href="#${s.toLowerCase()}">${s}</a>`)}
    </nav>
    ${summary(data, endTime, coverage)} ${flow(data)} ${changes(changed)} ${timeline(data, endTime)}
    ${gates(data)} ${rules(coverage)} ${approvals(data)} ${usage(data)} ${events(data)} ${artifacts(data)}
    <footer class="muted">
      Generated
      ${fmtTime(data.generatedAt.toISOString())}${data.operationId ? html` · Application Insights operation <code>${data.operationId}</code>` : ''}${data.location ? html` · artifacts in <code>${data.location}</code>` : ''}
    </footer>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${html`${doc.visionTitle} · ${doc.id}`}</title>
<style>${reportCss}</style>
</head>
<body>
<main>${body}</main>
<script>${reportScript}</script>
</body>
</html>
`;
}

function summary(data: ReportData, endTime: number, coverage: RuleCoverage | undefined): Html {
  const { doc } = data;
  const c = doc.counters;
  const passed = doc.gates.filter((g) => g.passed).length;
  const loops = data.events.filter((e) => e.type === 'factory.FeedbackLoop').length;
  const tiles: Array<[string, string]> = [
    ['Duration', fmtDuration(endTime - Date.parse(doc.createdAt))],
    ['Iteration', `${doc.iteration} of ${doc.options.iterations}`],
    ['Agent calls', String(c.agentCalls)],
    ['Quality gates', `${passed} passed · ${doc.gates.length - passed} failed`],
    ['Feedback loops', String(loops)],
    ...(coverage?.stated
      ? [['Rules enforced', `${coverage.enforced} of ${coverage.stated}`] as [string, string]]
      : []),
    ['Tokens', (c.promptTokens + c.completionTokens).toLocaleString('en-US')],
    ['Estimated cost', `$${c.estimatedCost.toFixed(4)}`],
    ['Artifacts', String(data.artifacts.filter((a) => !a.kind.endsWith('-file')).length)],
  ];
  const confined = data.isolation?.startsWith('isolated');
  return html`<section class="tiles">
      ${tiles.map(([k, v]) => html`<div class="tile"><span class="muted">${k}</span><strong>${v}</strong></div>`)}
    </section>
    ${
      data.isolation
        ? html`<p
            class="isolation ${confined ? 'muted small' : 'warning'}"
            role="${confined ? 'note' : 'alert'}"
          >
            Generated code: ${data.isolation}
          </p>`
        : ''
    }`;
}

function flow(data: ReportData): Html {
  const { doc } = data;
  const boxes = phases.map((phase, i) => {
    const records = doc.phases.filter((p) => p.phase === phase.id);
    const last = records[records.length - 1];
    const gate = [...doc.gates].reverse().find((g) => g.phase === phase.id);
    const state = phaseState(doc, phase.id);
    const approval = [...doc.approvals].reverse().find((a) => a.gate === phase.approvalGate);
    return html`${i > 0 ? raw('<div class="arrow" aria-hidden="true">→</div>') : ''}
      <div class="phase ${statusClass(state)}">
        <span class="step">${i + 1}</span>
        <strong>${phase.title}</strong>
        <span class="badge ${statusClass(state)}"
          >${state === 'NotStarted' ? 'not started' : state === 'Skipped' ? 'skipped: artifacts given' : state}</span
        >
        <span class="muted small"
          >${records.length ? `${records.length} attempt(s)` : ''}${last?.endedAt ? ` · ${fmtDuration(Date.parse(last.endedAt) - Date.parse(last.startedAt))}` : ''}</span
        >
        ${gate ? html`<span class="small ${gate.passed ? 'ok-text' : 'bad-text'}">gate ${gate.passed ? 'passed' : 'failed'} (${gate.criteria.filter((c) => c.passed).length}/${gate.criteria.length})</span>` : ''}
        ${approval ? html`<span class="small">approval: ${approval.decision ?? 'waiting'}</span>` : ''}
      </div>`;
  });
  return html`<section id="flow">
    <h2>Phase flow</h2>
    <div class="flow">
      ${boxes}
      <div class="arrow loop" title="the next iteration starts again from the vision">↺</div>
    </div>
    <p class="muted small">
      Phases in order; a failed gate sends the work back to its rework phase with the findings, and the next
      iteration starts again from the vision.
    </p>
  </section>`;
}

interface Bar {
  group: string;
  label: string;
  start: number;
  end: number;
  kind: 'phase' | 'agent' | 'gate' | 'approval' | 'other';
  state: string;
  note?: string;
}

function timeline(data: ReportData, endTime: number): Html {
  const { doc } = data;
  const bars: Bar[] = [];
  for (const p of doc.phases) {
    bars.push({
      group: `${p.phase}:${p.iteration}:${p.attempt}`,
      label: `${phaseTitle(p.phase)}`,
      start: Date.parse(p.startedAt),
      end: p.endedAt ? Date.parse(p.endedAt) : endTime,
      kind: 'phase',
      state: p.status,
      note: `${doc.options.iterations > 1 ? `iteration ${p.iteration}, ` : ''}attempt ${p.attempt}`,
    });
  }
  for (const t of data.trace ?? []) {
    const key = /:([a-z-]+):(\d+):(\d+)$/.exec(t.instanceId);
    const role = roleOf.get(t.functionName);
    const isGate = t.functionName === 'evaluateGate';
    if (!key || (!role && !isGate)) continue;
    bars.push({
      group: `${key[1]}:${key[2]}:${key[3]}`,
      label: isGate ? 'Quality gate' : role!,
      start: Date.parse(t.startedAt),
      end: t.endedAt ? Date.parse(t.endedAt) : endTime,
      kind: isGate ? 'gate' : 'agent',
      state: t.outcome,
      note: `${t.functionName}${t.attempt > 1 ? `, attempt ${t.attempt}` : ''}${t.error ? `: ${t.error.split('\n')[0]}` : ''}`,
    });
  }
  for (const a of doc.approvals) {
    bars.push({
      group: `approval:${a.gate}:${a.iteration}:${a.attempt}`,
      label: `Approval of ${a.gate}`,
      start: Date.parse(a.requestedAt),
      end: a.decidedAt ? Date.parse(a.decidedAt) : endTime,
      kind: 'approval',
      state: a.decision ?? 'waiting',
    });
  }
  if (bars.length === 0)
    return html`<section id="timeline">
      <h2>Timeline</h2>
      <p class="muted">Nothing has run yet.</p>
    </section>`;
  const t0 = Math.min(Date.parse(doc.createdAt), ...bars.map((b) => b.start));
  const t1 = Math.max(endTime, ...bars.map((b) => b.end), t0 + 1);
  const pct = (t: number) => (((t - t0) / (t1 - t0)) * 100).toFixed(3);
  const groups = [
    ...new Set(bars.sort((a, b) => a.start - b.start || (a.kind === 'phase' ? -1 : 1)).map((b) => b.group)),
  ];
  const ticks = Array.from(
    { length: 6 },
    (_, i) =>
      html`<span style="left:${((i / 5) * 100).toFixed(1)}%">${fmtDuration(((t1 - t0) * i) / 5)}</span>`,
  );
  const rows = groups.map((group) => {
    const inGroup = bars.filter((b) => b.group === group);
    return inGroup.map(
      (b) =>
        html`<div class="gantt-row ${b.kind}">
          <div class="gantt-label" title="${b.note ?? ''}">
            ${b.kind === 'phase' ? html`<strong>${b.label}</strong> <span class="muted small">${b.note}</span>` : b.label}
          </div>
          <div class="gantt-track">
            <div
              class="gantt-bar ${b.kind} ${statusClass(stateName(b.state))}"
              style="left:${pct(b.start)}%;width:max(2px, ${(Number(pct(b.end)) - Number(pct(b.start))).toFixed(3)}%)"
              title="${b.label}: ${fmtDuration(b.end - b.start)}${b.note ? ` (${b.note})` : ''}"
            ></div>
          </div>
          <div class="gantt-dur muted small">${fmtDuration(b.end - b.start)}</div>
        </div>`,
    );
  });
  return html`<section id="timeline">
    <h2>Timeline</h2>
    <p class="muted small">
      ${data.trace ? 'Each agent and gate execution from the durable trace; bars that overlap ran in parallel.' : 'Phases and approvals from the run document (agent executions are in the durable trace, which this host does not expose).'}
    </p>
    <div class="gantt">
      <div class="gantt-row axis">
        <div class="gantt-label"></div>
        <div class="gantt-track ticks">${ticks}</div>
        <div class="gantt-dur"></div>
      </div>
      ${rows}
    </div>
  </section>`;
}

function stateName(state: string): string {
  return (
    (
      {
        completed: 'Completed',
        failed: 'Failed',
        interrupted: 'Failed',
        running: 'Running',
        approve: 'Completed',
        reject: 'Failed',
        timeout: 'Failed',
        waiting: 'WaitingForApproval',
      } as Record<string, string>
    )[state] ?? state
  );
}

/** Coverage of the vision's rules from the run's latest domain model, when it has one that can be read. */
function coverageOf(data: ReportData): RuleCoverage | undefined {
  const model = [...data.artifacts].reverse().find((a) => a.kind === 'domain-model');
  const body = model && data.contents.get(model.path);
  if (!body) return undefined;
  try {
    const parsed = domainModelSchema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? ruleCoverage(parsed.data) : undefined;
  } catch {
    return undefined;
  }
}

/** What the product's latest version changes against the release it follows (the pull request's), if it follows one. */
function changesOf(data: ReportData): ProductChanges | undefined {
  const record = [...data.artifacts]
    .reverse()
    .find((a) => a.kind === 'pull-request' && a.path.endsWith('.json'));
  const body = record && data.contents.get(record.path);
  try {
    return body ? (JSON.parse(body.toString('utf8')) as PullRequestRecord).changes : undefined;
  } catch {
    return undefined;
  }
}

function changes(changed: ProductChanges | undefined): Html {
  if (!changed) return html``;
  return html`<section id="changes">
    <h2>Changes since release ${changed.after}</h2>
    <div class="markdown">${raw(renderMarkdown(renderProductChanges(changed).replace(/^## .*\n/, '')))}</div>
    <p class="muted small">
      As the pull request of the latest Architecture to Development attempt lists them.
    </p>
  </section>`;
}

function rules(coverage: RuleCoverage | undefined): Html {
  if (!coverage || coverage.stated === 0)
    return html`<section id="rules">
      <h2>Rules</h2>
      <p class="muted">
        ${coverage ? 'The vision states no business rule.' : 'No readable domain model yet.'}
      </p>
    </section>`;
  const label = { tested: 'enforced, tested', enforced: 'enforced, no test', 'not enforced': 'not enforced' };
  return html`<section id="rules">
    <h2>Rules</h2>
    <p>
      <strong>${coverage.enforced} of ${coverage.stated}</strong> rules the vision states are enforced by the
      services, ${coverage.tested} of them proven by an acceptance test over HTTP. A rule that is not enforced
      says why.
    </p>
    <div class="table-wrap">
      <table>
        <thead>
          <tr>
            <th>Rule</th>
            <th>Sentence</th>
            <th>Kind</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          ${coverage.rows.map(
            (r) =>
              html`<tr class="${r.status === 'not enforced' ? 'fail-row' : ''}">
                <td><code>${r.id}</code><br /><span class="muted small">${r.service}</span></td>
                <td>${r.text}</td>
                <td>${r.kind}</td>
                <td>${label[r.status]}${r.reason ? html`: <span class="muted">${r.reason}</span>` : ''}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
  </section>`;
}

function gates(data: ReportData): Html {
  const { doc } = data;
  if (doc.gates.length === 0)
    return html`<section id="gates">
      <h2>Quality gates</h2>
      <p class="muted">No gate has been evaluated yet.</p>
    </section>`;
  return html`<section id="gates">
    <h2>Quality gates</h2>
    ${doc.gates.map(
      (g) =>
        html`<details class="card" ${g.passed ? '' : raw('open')}>
          <summary>
            <span class="badge ${g.passed ? 'ok' : 'bad'}">${g.passed ? 'passed' : 'failed'}</span>
            <strong>${phaseTitle(g.phase)}</strong>
            <span class="muted small"
              >iteration ${g.iteration}, attempt ${g.attempt} ·
              ${g.criteria.filter((c) => c.passed).length}/${g.criteria.length} criteria ·
              ${fmtTime(g.at)}</span
            >
            <a class="small" href="#${anchor(g.reportPath)}">report</a>
          </summary>
          <div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th></th>
                  <th>Criterion</th>
                  <th class="num">Value</th>
                  <th class="num">Threshold</th>
                  <th>Findings</th>
                </tr>
              </thead>
              <tbody>
                ${g.criteria.map(
                  (c) =>
                    html`<tr class="${c.passed ? '' : 'fail-row'}">
                      <td>
                        ${c.passed ? raw('<span class="ok-text">✔</span>') : raw('<span class="bad-text">✘</span>')}
                      </td>
                      <td>${c.name}</td>
                      <td class="num">${String(c.value)}</td>
                      <td class="num">${String(c.threshold)}</td>
                      <td>
                        ${
                          c.findings.length
                            ? html`<ul class="findings">
                                ${c.findings.slice(0, 20).map((f) => html`<li>${f}</li>`)}${c.findings.length > 20 ? html`<li class="muted">… ${c.findings.length - 20} more</li>` : ''}
                              </ul>`
                            : ''
                        }
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>
        </details>`,
    )}
  </section>`;
}

function approvals(data: ReportData): Html {
  const list = data.doc.approvals;
  return html`<section id="approvals">
    <h2>Approvals</h2>
    ${
      list.length === 0
        ? html`<p class="muted">
            This run asked for no
            approvals${data.doc.options.approvals.length ? '' : ' (none were configured)'}.
          </p>`
        : html`<div class="table-wrap">
            <table>
              <thead>
                <tr>
                  <th>Gate</th>
                  <th>Iteration</th>
                  <th>Requested</th>
                  <th>Decision</th>
                  <th>By</th>
                  <th>Reason</th>
                  <th>Waited</th>
                </tr>
              </thead>
              <tbody>
                ${list.map(
                  (a) =>
                    html`<tr>
                      <td>${a.gate}</td>
                      <td>${a.iteration}.${a.attempt}</td>
                      <td>${fmtTime(a.requestedAt)}</td>
                      <td>
                        <span class="badge ${statusClass(stateName(a.decision ?? 'waiting'))}"
                          >${a.decision ?? 'waiting'}</span
                        >
                      </td>
                      <td>${a.by ?? ''}</td>
                      <td>${a.reason ?? ''}</td>
                      <td>
                        ${a.decidedAt ? fmtDuration(Date.parse(a.decidedAt) - Date.parse(a.requestedAt)) : ''}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>
          </div>`
    }
  </section>`;
}

function usage(data: ReportData): Html {
  const { doc } = data;
  const c = doc.counters;
  const byAgent = Object.entries(doc.usage?.byAgent ?? {}).sort(
    (a, b) => b[1].promptTokens + b[1].completionTokens - (a[1].promptTokens + a[1].completionTokens),
  );
  const budget = doc.options.budget;
  return html`<section id="usage">
    <h2>Tokens and cost</h2>
    <div class="table-wrap">
      <table class="compact">
        <tbody>
          <tr>
            <th>Agent calls</th>
            <td class="num">${c.agentCalls}</td>
            <td class="muted">
              ${budget?.maxAgentCalls !== undefined ? `budget ${budget.maxAgentCalls}` : ''}
            </td>
          </tr>
          <tr>
            <th>Prompt tokens</th>
            <td class="num">${c.promptTokens.toLocaleString('en-US')}</td>
            <td class="muted">
              ${c.cachedTokens ? `${c.cachedTokens.toLocaleString('en-US')} served from the prompt cache` : ''}
            </td>
          </tr>
          <tr>
            <th>Completion tokens</th>
            <td class="num">${c.completionTokens.toLocaleString('en-US')}</td>
            <td class="muted">${budget?.maxTokens !== undefined ? `budget ${budget.maxTokens}` : ''}</td>
          </tr>
          <tr>
            <th>Estimated cost</th>
            <td class="num">$${c.estimatedCost.toFixed(4)}</td>
            <td class="muted">${budget?.maxCost !== undefined ? `budget $${budget.maxCost}` : ''}</td>
          </tr>
        </tbody>
      </table>
    </div>
    ${
      byAgent.length
        ? html`<h3>By agent</h3>
            <div class="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th>Agent</th>
                    <th class="num">Model calls</th>
                    <th class="num">Cache hits</th>
                    <th class="num">Prompt</th>
                    <th class="num">Completion</th>
                    <th class="num">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  ${byAgent.map(
                    ([agent, u]) =>
                      html`<tr>
                        <td>${roleOf.get(agent) ?? agent}</td>
                        <td class="num">${u.calls}</td>
                        <td class="num">${u.cacheHits}</td>
                        <td class="num">${u.promptTokens.toLocaleString('en-US')}</td>
                        <td class="num">${u.completionTokens.toLocaleString('en-US')}</td>
                        <td class="num">$${u.estimatedCost.toFixed(4)}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
        : html`<p class="muted small">
            ${doc.options.model === 'blueprint' ? 'The blueprint engine calls no language model, so no tokens are spent.' : 'No per-agent model usage was recorded.'}
          </p>`
    }
  </section>`;
}

function events(data: ReportData): Html {
  return html`<section id="events">
    <h2>Events <span class="muted small">(${data.events.length})</span></h2>
    <div class="table-wrap scroll">
      <table class="compact">
        <thead>
          <tr>
            <th>Time</th>
            <th>Event</th>
            <th>Phase</th>
            <th>Details</th>
            <th>Sent</th>
          </tr>
        </thead>
        <tbody>
          ${data.events.map((e) => {
            const details = Object.entries(e.data)
              .filter(([k]) => !['runId', 'phase', 'manifest', 'report', 'criteria'].includes(k))
              .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
              .join(' · ');
            const name = e.type.replace(/^factory\./, '');
            const outcome = typeof e.data.outcome === 'string' ? e.data.outcome : undefined;
            const tone =
              /Failed|Rejected/.test(name) || (outcome && outcome !== 'passed')
                ? 'bad'
                : /Passed|Completed|Granted|Successful|Ready/.test(name)
                  ? 'ok'
                  : /Approval|Feedback/.test(name)
                    ? 'waiting'
                    : 'pending';
            return html`<tr>
              <td class="nowrap">${fmtTime(e.time)}</td>
              <td><span class="badge ${tone}">${name}</span></td>
              <td>${e.phase ? phaseTitle(e.phase) : ''}</td>
              <td class="small">${details.length > 300 ? `${details.slice(0, 300)}…` : details}</td>
              <td>${e.published === false ? 'pending' : 'sent'}</td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}

const maxInline = 200 * 1024;

/** An artifact's body as HTML: Markdown rendered, Mermaid drawn, OpenAPI tabulated, JSON pretty, the rest as text. */
export function renderArtifactBody(
  artifact: Pick<StoredArtifact, 'path' | 'kind' | 'contentType'>,
  body: Buffer,
): string {
  if (body.length > maxInline)
    return `<p class="muted">${body.length.toLocaleString('en-US')} bytes: too large to show here.</p>`;
  const text = body.toString('utf8');
  if (text.includes('\u0000')) return '<p class="muted">Binary content.</p>';
  const type = artifact.contentType.split(';')[0].trim();
  if (type === 'text/markdown' || artifact.path.endsWith('.md'))
    return `<div class="markdown">${renderMarkdown(text)}</div>`;
  if (type === 'text/vnd.mermaid' || artifact.path.endsWith('.mmd')) return renderMermaid(text);
  if (artifact.kind === 'openapi' || /openapi/i.test(artifact.path)) {
    const table = renderOpenApi(text);
    if (table)
      return `${table}<details><summary>Document</summary><pre><code>${escape(text)}</code></pre></details>`;
  }
  if (type === 'application/vnd.factory.folder+json') {
    try {
      const index = JSON.parse(text) as { root: string; files: Array<{ path: string; bytes: number }> };
      return `<p class="muted small">${index.files.length} file(s) under <code>${escape(index.root)}</code></p><ul class="files">${index.files.map((f) => `<li><code>${escape(f.path)}</code> <span class="muted small">${f.bytes.toLocaleString('en-US')} B</span></li>`).join('')}</ul>`;
    } catch {
      // Shown as text below.
    }
  }
  if (type === 'application/json' || artifact.path.endsWith('.json')) {
    try {
      return `<pre><code>${escape(JSON.stringify(JSON.parse(text), null, 2))}</code></pre>`;
    } catch {
      // Not valid JSON after all: shown as text.
    }
  }
  return `<pre><code>${escape(text)}</code></pre>`;
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function artifacts(data: ReportData): Html {
  const shown = data.artifacts.filter((a) => !a.kind.endsWith('-file'));
  const order = ['input', ...phases.map((p) => p.id)];
  const groups = [...new Set(shown.map((a) => a.phase))].sort(
    (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99),
  );
  return html`<section id="artifacts">
    <h2>Artifacts <span class="muted small">(${shown.length})</span></h2>
    <div class="toolbar">
      <input
        id="artifact-filter"
        type="search"
        placeholder="Filter by path, kind or agent"
        aria-label="Filter artifacts"
      /><button type="button" id="expand-all">Expand all</button
      ><button type="button" id="collapse-all">Collapse all</button>
    </div>
    ${groups.map(
      (group) =>
        html`<h3>${group === 'input' ? 'Input' : phaseTitle(group)}</h3>
          ${shown
            .filter((a) => a.phase === group)
            .map((a) => {
              const body = data.contents.get(a.path);
              return html`<details
                class="artifact card"
                id="${anchor(a.path)}"
                data-search="${`${a.path} ${a.kind} ${a.agent}`.toLowerCase()}"
              >
                <summary>
                  <span class="kind">${a.kind}</span> <code>${a.path}</code>
                  <span class="muted small"
                    >${roleOf.get(a.agent) ?? a.agent} · ${a.bytes.toLocaleString('en-US')} B</span
                  >
                </summary>
                <div class="artifact-body">
                  ${body ? raw(renderArtifactBody(a, body)) : html`<p class="muted">Not embedded.</p>`}
                </div>
              </details>`;
            })}`,
    )}
  </section>`;
}
