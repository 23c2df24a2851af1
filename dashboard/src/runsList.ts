import { api } from './api.js';
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

const statuses = [
  'Pending',
  'Running',
  'WaitingForApproval',
  'Completed',
  'Failed',
  'Rejected',
  'Terminated',
];

/** The caller's tenant's runs, newest first, optionally of one status. */
export async function runsList(main: HTMLElement, status: string): Promise<void> {
  const filter = h(
    'select',
    {
      id: 'status-filter',
      onchange: () => (location.hash = filter.value ? `#/runs?status=${filter.value}` : '#/runs'),
    },
    h('option', { value: '' }, 'Any status'),
    ...statuses.map((s) => h('option', { value: s, selected: s === status }, s)),
  );
  const query = status ? `&status=${encodeURIComponent(status)}` : '';
  const page = await api<{ items: RunSummary[] }>('GET', `/runs?limit=100${query}`);
  show(
    main,
    h('h1', {}, 'Runs'),
    h('p', {}, h('label', { for: 'status-filter' }, 'Status '), filter),
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
