import { api, apiVocabulary } from './api.js';
import { h, show, statusBadge, when } from './dom.js';

interface RunSummary {
  runId: string;
  name?: string;
  visionTitle?: string;
  status: string;
  currentPhase?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The caller's tenant's runs, newest first, optionally of one status. */
export async function runsList(main: HTMLElement, status: string, stale: () => boolean): Promise<void> {
  const { statuses } = await apiVocabulary();
  // Applied with a button, not on change: moving through the options with the keyboard must not navigate.
  const filter = h(
    'select',
    { id: 'status-filter' },
    h('option', { value: '' }, 'Any status'),
    ...statuses.map((s) => h('option', { value: s, selected: s === status }, s)),
  );
  const query = status ? `&status=${encodeURIComponent(status)}` : '';
  const page = await api<{ items: RunSummary[]; continuationToken?: string }>(
    'GET',
    `/runs?limit=100${query}`,
  );
  if (stale()) return;
  show(
    main,
    h('h1', {}, 'Runs'),
    h(
      'form',
      {
        class: 'filter',
        onsubmit: (event: Event) => {
          event.preventDefault();
          location.hash = filter.value ? `#/runs?status=${filter.value}` : '#/runs';
        },
      },
      h('label', { for: 'status-filter' }, 'Status '),
      filter,
      ' ',
      h('button', { type: 'submit', class: 'secondary' }, 'Show'),
    ),
    page.continuationToken && h('p', { class: 'empty' }, 'The newest 100 runs are shown.'),
    page.items.length === 0
      ? h('p', { class: 'empty' }, status ? `No run is ${status}.` : 'No runs yet. Start one.')
      : h(
          'table',
          { class: 'runs' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ...['Run', 'Product', 'Status', 'Phase', 'Updated'].map((t) => h('th', { scope: 'col' }, t)),
            ),
          ),
          h(
            'tbody',
            {},
            ...page.items.map((run) =>
              h(
                'tr',
                {},
                h('td', {}, h('a', { href: `#/runs/${encodeURIComponent(run.runId)}` }, run.runId)),
                h('td', {}, run.name ?? run.visionTitle ?? ''),
                h('td', {}, statusBadge(run.status)),
                h('td', {}, run.currentPhase ?? ''),
                h('td', {}, when(run.updatedAt)),
              ),
            ),
          ),
        ),
  );
}
