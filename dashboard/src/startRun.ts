import { api, ApiError, apiVocabulary } from './api.js';
import { h, show } from './dom.js';

/** A form that starts a run from a vision typed or read from a file. */
export async function startRun(main: HTMLElement, stale: () => boolean): Promise<void> {
  const { gates } = await apiVocabulary();
  if (stale()) return;
  const errors = h('div', { role: 'alert', class: 'errors' });
  const vision = h('textarea', { id: 'vision', name: 'vision', rows: '12', required: true });
  const file = h('input', {
    id: 'vision-file',
    type: 'file',
    accept: '.md,.txt,text/plain,text/markdown',
    onchange: async () => {
      const chosen = file.files?.[0];
      if (chosen) vision.value = await chosen.text();
    },
  });
  const name = h('input', { id: 'run-name', name: 'name', maxlength: '200' });
  const iterations = h('input', { id: 'iterations', type: 'number', min: '1', max: '5', value: '1' });
  const approvals = gates.map((gate) => h('input', { type: 'checkbox', id: `approve-${gate}`, value: gate }));
  // One key per form: a second click or Enter while the first request is on its way starts no second run.
  const idempotencyKey = crypto.randomUUID();
  const submit = h('button', { type: 'submit' }, 'Start the run');
  const form = h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        errors.replaceChildren();
        submit.disabled = true;
        try {
          const started = await api<{ runId: string }>(
            'POST',
            '/runs',
            {
              vision: vision.value,
              ...(name.value.trim() ? { name: name.value.trim() } : {}),
              options: {
                approvals: approvals.filter((box) => box.checked).map((box) => box.value),
                iterations: Number(iterations.value || 1),
              },
            },
            { 'idempotency-key': idempotencyKey },
          );
          location.hash = `#/runs/${encodeURIComponent(started.runId)}`;
        } catch (error) {
          submit.disabled = false;
          const problem = error instanceof ApiError ? error.problem : {};
          show(
            errors,
            h('p', {}, (error as Error).message),
            problem.errors?.length
              ? h('ul', {}, ...problem.errors.map((e) => h('li', {}, `${e.field}: ${e.message}`)))
              : null,
          );
        }
      },
    },
    h('p', {}, h('label', { for: 'vision' }, 'Vision'), vision),
    h('p', {}, h('label', { for: 'vision-file' }, 'or read it from a file '), file),
    h('p', {}, h('label', { for: 'run-name' }, 'Name (optional) '), name),
    h('p', {}, h('label', { for: 'iterations' }, 'Iterations '), iterations),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Wait for a person to approve'),
      ...approvals.map((box) => h('label', { class: 'check' }, box, ` ${box.value}`)),
    ),
    errors,
    submit,
  );
  show(main, h('h1', {}, 'Start a run'), form);
}
