import { api, ApiError, token, type Me } from './api.js';
import { h, show } from './dom.js';
import { runPage } from './runPage.js';
import { runsList } from './runsList.js';
import { signIn } from './signIn.js';
import { startRun } from './startRun.js';

const main = document.getElementById('main') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
let leave: (() => void) | undefined;

/** Shows the page the location's hash names: `#/runs[?status=S]`, `#/runs/<id>`, `#/start`. */
async function route(): Promise<void> {
  leave?.();
  leave = undefined;
  let me: Me;
  try {
    me = await api<Me>('GET', '/me');
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      token.clear();
      who.replaceChildren();
      return signIn(
        main,
        error.status === 401 ? 'Sign in with your API token.' : error.message,
        () => void route(),
      );
    }
    throw error;
  }
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
  if (run) leave = runPage(main, decodeURIComponent(run[1]), me);
  else if (path === '/start') startRun(main);
  else await runsList(main, new URLSearchParams(query).get('status') ?? '');
  main.focus();
}

const navigate = () =>
  route().catch((error: Error) => show(main, h('p', { role: 'alert', class: 'errors' }, error.message)));
window.addEventListener('hashchange', navigate);
navigate();
