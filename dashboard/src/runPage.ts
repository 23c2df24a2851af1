import { api, ApiError, follow, token, type Me } from './api.js';
import { h, show, statusBadge, when, type Child } from './dom.js';

interface Criterion {
  name: string;
  passed: boolean;
  findings: string[];
}
interface RunView {
  runId: string;
  name?: string;
  visionTitle?: string;
  status: string;
  failure: { reason: string; message: string } | null;
  progress: { step?: string; phaseTitle?: string } | null;
  phases: Array<{
    phase: string;
    title: string;
    status: string;
    attempts: number;
    gate?: { passed: boolean; failed: string[] };
  }>;
  gates: Array<{ phase: string; iteration: number; attempt: number; passed: boolean; criteria: Criterion[] }>;
  approvals: Array<{ gate: string; waiting: boolean; decision?: string; reason?: string; by?: string }>;
  counters: {
    agentCalls: number;
    promptTokens: number;
    completionTokens: number;
    cachedTokens: number;
    estimatedCost: number;
  };
  artifactCount: number;
}
interface RunEvent {
  id: string;
  type: string;
  time: string;
  data?: Record<string, unknown>;
}

const ended = ['Completed', 'Failed', 'Rejected', 'Terminated'];

/** One run, kept current by the run's event stream: phases, gates, approvals, counters and events. */
export function runPage(main: HTMLElement, runId: string, me: Me, reroute: () => void): () => void {
  const summary = h('section', { 'aria-labelledby': 'run-title' });
  const decisions = h('section', { id: 'approvals', 'aria-live': 'polite' });
  const phases = h('ol', { class: 'phases', 'aria-label': 'Phases' });
  const gates = h('section', { id: 'gates' });
  const events = h('ol', { class: 'events', id: 'events' });
  const problems = h('p', { role: 'alert', class: 'errors' });
  show(
    main,
    summary,
    problems,
    decisions,
    h('h2', {}, 'Phases'),
    phases,
    h('h2', {}, 'Gates'),
    gates,
    h('h2', {}, 'Events'),
    events,
  );
  /** One action at a time: its buttons are disabled until the API has answered. */
  const act = async (buttons: HTMLButtonElement[], what: () => Promise<unknown>) => {
    problems.replaceChildren();
    for (const button of buttons) button.disabled = true;
    try {
      await what();
    } catch (error) {
      for (const button of buttons) button.disabled = false;
      problems.textContent =
        error instanceof ApiError && error.problem.errors?.length
          ? error.problem.errors.map((e) => `${e.field}: ${e.message}`).join('; ')
          : (error as Error).message;
    }
  };

  let shownWaiting: string | undefined;
  const showDecisions = (run: RunView, waiting: RunView['approvals']) =>
    show(
      decisions,
      ...waiting.map((approval) => {
        const reason = h('input', { id: `reason-${approval.gate}`, maxlength: '2000' });
        const buttons: HTMLButtonElement[] = [];
        const decide = (decision: 'approve' | 'reject') =>
          act(buttons, () =>
            api(
              'POST',
              `/runs/${encodeURIComponent(run.runId)}/approvals/${encodeURIComponent(approval.gate)}`,
              {
                decision,
                ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
              },
            ),
          );
        return h(
          'div',
          { class: 'approval' },
          h('h2', {}, `Waiting for approval: ${approval.gate}`),
          me.roles.includes('Gates.Approve')
            ? h(
                'p',
                {},
                h('label', { for: `reason-${approval.gate}` }, 'Reason '),
                reason,
                ' ',
                (buttons[0] = h('button', { type: 'button', onclick: () => decide('approve') }, 'Approve')),
                ' ',
                (buttons[1] = h(
                  'button',
                  { type: 'button', class: 'secondary', onclick: () => decide('reject') },
                  'Reject',
                )),
              )
            : h('p', {}, 'A person with the Gates.Approve role decides here.'),
        );
      }),
    );

  let rendered = '';
  const render = (data: string) => {
    if (data === rendered) return;
    rendered = data;
    const run = JSON.parse(data) as RunView;
    // Gates a person has opened stay open when the run is redrawn.
    const opened = new Set(
      [...gates.querySelectorAll('details[open]')].map((d) => d.getAttribute('data-key')),
    );
    const canCancel = me.roles.includes('Runs.Start') && !ended.includes(run.status);
    show(
      summary,
      h('h1', { id: 'run-title' }, run.name ?? run.visionTitle ?? run.runId),
      h('p', {}, h('code', {}, run.runId), ' ', statusBadge(run.status)),
      run.failure && h('p', { class: 'failure' }, `${run.failure.reason}: ${run.failure.message}`),
      run.progress?.step && !ended.includes(run.status)
        ? h('p', { class: 'progress' }, `${run.progress.phaseTitle ?? ''}: ${run.progress.step}`)
        : null,
      h(
        'p',
        { class: 'counters' },
        `${run.counters.agentCalls} agent calls · ${run.counters.promptTokens + run.counters.completionTokens} tokens · ` +
          `estimated cost ${run.counters.estimatedCost.toFixed(2)} · ${run.artifactCount} artifacts`,
      ),
      canCancel &&
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: (event: Event) =>
              confirm('Cancel this run? It stops where it is and cannot be resumed.') &&
              act([event.currentTarget as HTMLButtonElement], () =>
                api('POST', `/runs/${encodeURIComponent(run.runId)}/cancel`, {
                  reason: 'cancelled from the dashboard',
                }),
              ),
          },
          'Cancel the run',
        ),
    );
    const waiting = run.approvals.filter((a) => a.waiting);
    // Redrawn only when the waiting gates change, so that a reason being typed is not wiped by an update.
    const waitingKey = waiting.map((a) => a.gate).join(',');
    if (waitingKey !== shownWaiting) {
      shownWaiting = waitingKey;
      showDecisions(run, waiting);
    }
    show(
      phases,
      ...run.phases.map((phase) =>
        h(
          'li',
          { class: `phase status-${phase.status}`, 'data-phase': phase.phase },
          h('strong', {}, phase.title),
          statusBadge(phase.status),
          phase.attempts > 1 && h('span', { class: 'attempts' }, `${phase.attempts} attempts`),
          phase.gate &&
            h(
              'span',
              { class: phase.gate.passed ? 'gate passed' : 'gate failed' },
              phase.gate.passed ? 'gate passed' : `gate failed: ${phase.gate.failed.join(', ')}`,
            ),
        ),
      ),
    );
    show(
      gates,
      run.gates.length === 0 ? h('p', { class: 'empty' }, 'No gate evaluated yet.') : null,
      ...run.gates.map((gate) =>
        h(
          'details',
          {
            class: gate.passed ? 'gate passed' : 'gate failed',
            'data-key': `${gate.phase}/${gate.iteration}/${gate.attempt}`,
            open: opened.has(`${gate.phase}/${gate.iteration}/${gate.attempt}`),
          },
          h(
            'summary',
            {},
            `${gate.phase} · iteration ${gate.iteration} · attempt ${gate.attempt} · ${gate.passed ? 'passed' : 'failed'}`,
          ),
          h(
            'ul',
            {},
            ...gate.criteria.map((c) =>
              h(
                'li',
                { class: c.passed ? 'passed' : 'failed' },
                `${c.passed ? '✓' : '✗'} ${c.name}`,
                c.findings.length ? h('ul', {}, ...c.findings.slice(0, 20).map((f) => h('li', {}, f))) : null,
              ),
            ),
          ),
        ),
      ),
    );
  };

  const shownEvents = new Set<string>();
  const addEvent = (event: RunEvent) => {
    const detail: Child = event.data?.phase ? ` ${String(event.data.phase)}` : '';
    events.appendChild(
      h(
        'li',
        {},
        h('time', { datetime: event.time }, when(event.time)),
        ' ',
        h('code', {}, event.type),
        detail,
      ),
    );
  };

  return follow(
    `/runs/${encodeURIComponent(runId)}/stream`,
    (message) => {
      if (message.event === 'run') {
        problems.replaceChildren();
        render(message.data);
      } else if (message.event === 'cloudevent') {
        const event = JSON.parse(message.data) as RunEvent;
        if (!shownEvents.has(event.id)) addEvent(event);
        shownEvents.add(event.id);
      } else if (message.event === 'error')
        problems.textContent = `The server could not follow the run (correlation id ${String(JSON.parse(message.data).correlationId)}); retrying.`;
    },
    (error) => {
      if (error instanceof ApiError && error.status === 401) {
        token.clear();
        return reroute();
      }
      problems.textContent = error.message;
    },
  );
}
