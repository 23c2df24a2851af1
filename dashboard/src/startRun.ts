import { api, ApiError } from './api.js';
import { h, show } from './dom.js';

const gates = ['architecture', 'development', 'testing', 'release', 'production', 'optimization'];

/** A form that starts a run from a vision typed or read from a file. */
export function startRun(main: HTMLElement): void {
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
  const form = h(
    'form',
    {
      onsubmit: async (event: Event) => {
        event.preventDefault();
        errors.replaceChildren();
        try {
          const started = await api<{ runId: string }>('POST', '/runs', {
            vision: vision.value,
            ...(name.value.trim() ? { name: name.value.trim() } : {}),
            options: {
              approvals: approvals.filter((box) => box.checked).map((box) => box.value),
              iterations: Number(iterations.value || 1),
            },
          });
          location.hash = `#/runs/${encodeURIComponent(started.runId)}`;
        } catch (error) {
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
    h('button', { type: 'submit' }, 'Start the run'),
  );
  show(main, h('h1', {}, 'Start a run'), form);
}
