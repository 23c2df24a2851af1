import { api, ApiError, token, type Me } from './api.js';
import { h, show } from './dom.js';
import { runPage } from './runPage.js';
import { runsList } from './runsList.js';
import { signIn } from './signIn.js';
import { startRun } from './startRun.js';

const main = document.getElementById('main') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
let leave: (() => void) | undefined;
/** The navigation being shown: one that a later navigation overtook while it waited draws nothing. */
let current = 0;

/** Shows the page the location's hash names: `#/runs[?status=S]`, `#/runs/<id>`, `#/start`. */
async function route(): Promise<void> {
  const navigation = ++current;
  const stale = () => navigation !== current;
  leave?.();
  leave = undefined;
  let me: Me;
  try {
    me = await api<Me>('GET', '/me');
  } catch (error) {
    if (stale()) return;
    // 401/403, or a token the browser cannot even send (a TypeError from fetch): sign in again.
    if (
      (error instanceof ApiError && (error.status === 401 || error.status === 403)) ||
      error instanceof TypeError
    ) {
      token.clear();
      who.replaceChildren();
      document.title = 'Sign in · Software factory';
      return signIn(
        main,
        error instanceof ApiError && error.status === 403 ? error.message : 'Sign in with your API token.',
        () => void route(),
      );
    }
    throw error;
  }
  if (stale()) return;
  show(
    who,
    `${me.subject} · ${me.tenantId} `,
    token.get() &&
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            token.clear();
            void route();
          },
        },
        'Sign out',
      ),
  );
  const [path, query] = (location.hash.slice(1) || '/runs').split('?');
  const run = /^\/runs\/([^/]+)$/.exec(path);
  if (run) {
    const runId = decodeURIComponent(run[1]);
    document.title = `${runId} · Software factory`;
    leave = runPage(main, runId, me, () => void route());
  } else if (path === '/start') {
    document.title = 'Start a run · Software factory';
    await startRun(main, stale);
  } else {
    document.title = 'Runs · Software factory';
    await runsList(main, new URLSearchParams(query).get('status') ?? '', stale);
  }
  if (!stale()) main.focus();
}

const navigate = () =>
  route().catch((error: Error) => show(main, h('p', { role: 'alert', class: 'errors' }, error.message)));
window.addEventListener('hashchange', navigate);
navigate();
