import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { html } from '../../../toolchain/escaping/html';
import { markdownText } from '../../../toolchain/escaping/markdownText';
import { tsLiteral } from '../../../toolchain/escaping/tsLiteral';
import { labelOf, routerModule, viewModule, type AppVariant, type EntityScreens } from './appViews';
import { clientFiles, generateClientModule, type GeneratedClient } from './typescriptClient';
import { uiModule } from './uiModule';
import { kitFile } from '../../../toolchain/backend/kit';

/**
 * The web app (`web/`) and the installable mobile PWA (`mobile/`): plain TypeScript and the DOM, no framework,
 * both built on the same generated API client. `tsc -p .` compiles `src/` to `dist/`, which `index.html` loads
 * as an ES module; the mobile app adds a web manifest and a service worker that caches the app shell.
 */
export interface OpenApiInput {
  /** Context slug (from `api/<slug>.openapi.json`). */
  slug: string;
  document: unknown;
}

export interface GeneratedApp {
  files: Array<{ path: string; content: string }>;
  screens: EntityScreens[];
  missing: string[];
  clients: string[];
}

export interface AppOptions {
  /** Findings from a previous review, listed in the README so the next reviewer sees what was addressed. */
  feedback?: string[];
}

/** The client module of each context that has an OpenAPI document. */
export function generateClients(
  model: DomainModel,
  documents: OpenApiInput[],
): { clients: GeneratedClient[]; missing: string[] } {
  const clients: GeneratedClient[] = [];
  const missing: string[] = [];
  for (const context of model.contexts) {
    const input = documents.find((doc) => doc.slug === context.slug);
    if (!input) {
      missing.push(`${context.slug}: no OpenAPI document (api/${context.slug}.openapi.json)`);
      continue;
    }
    clients.push(generateClientModule(context.slug, input.document));
  }
  return { clients, missing };
}

const tsconfig = JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'ES2022',
      moduleResolution: 'bundler',
      lib: ['ES2022', 'DOM', 'DOM.Iterable'],
      strict: true,
      noImplicitReturns: true,
      noFallthroughCasesInSwitch: true,
      forceConsistentCasingInFileNames: true,
      outDir: 'dist',
      rootDir: 'src',
      sourceMap: true,
    },
    include: ['src'],
  },
  null,
  2,
);

function packageJson(name: string): string {
  return JSON.stringify(
    {
      name,
      private: true,
      version: '1.0.0',
      type: 'module',
      scripts: { build: 'tsc -p .', typecheck: 'tsc -p . --noEmit' },
      devDependencies: { typescript: '~5.9.0' },
    },
    null,
    2,
  );
}

function mainModule(
  model: DomainModel,
  clients: GeneratedClient[],
  views: ReturnType<typeof viewModule>[],
  variant: AppVariant,
): string {
  const contexts = model.contexts.filter((context) => clients.some((client) => client.slug === context.slug));
  const alias = (slug: string) =>
    `configure${slug.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}`;
  const links = views.flatMap((view) =>
    view.screens
      .filter((s) => s.list)
      .map((s) => ({
        context: s.context,
        entity: model.contexts.find((c) => c.slug === s.context)!.entities.find((e) => e.name === s.entity)!,
      })),
  );
  const home = links[0] ? `#/${links[0].context}/${links[0].entity.slug}` : '#/';
  return `/** Entry point: points each service's client at its base URL, draws the navigation, starts routing. */
${contexts.map((c) => `import { configure as ${alias(c.slug)} } from './api/${c.slug}.js';`).join('\n')}
${views.map((view) => `import { ${view.routesExport} } from './views/${view.path.replace(/^src\/views\/|\.ts$/g, '')}.js';`).join('\n')}
import { startRouter } from './router.js';
import { authorizedFetch, signIn } from './signIn.js';
import { clear, el } from './ui.js';

/**
 * Each service's base URL comes from a \`<meta name="api-base-url:<service>">\` tag: \`/api/<service>\` on the app's
 * own origin, where the product's gateway serves it (locally and in Azure); a full URL reaches it elsewhere.
 */
function apiBase(service: string): string {
  return document.querySelector<HTMLMetaElement>(\`meta[name="api-base-url:\${service}"]\`)?.content ?? '';
}

const links: Array<[string, string]> = [
${links.map((link) => `  ['#/${link.context}/${link.entity.slug}', ${tsLiteral(labelOf(link.entity.plural))}],`).join('\n')}
];

const page = document.getElementById('app');
if (!page) throw new Error('index.html has no #app element');
const root: HTMLElement = page;
const showProblem = (error: unknown) =>
  clear(root, el('p', { class: 'problem', role: 'alert' }, error instanceof Error ? error.message : String(error)));

/** Signs the person in (as the product's gateway says), then points each client at its service and routes. */
async function start(): Promise<void> {
  const session = await signIn();
  // On the way to the identity provider: the app starts again when it comes back.
  if (!session) return;
  const fetchSignedIn = authorizedFetch(session);
${contexts.map((c) => `  ${alias(c.slug)}({ baseUrl: apiBase('${c.slug}'), fetch: fetchSignedIn });`).join('\n')}
  const account = document.getElementById('account');
  if (account && session.name) {
    const signOut = session.signOut;
    const button = signOut ? el('button', { type: 'button', class: 'button' }, 'Sign out') : undefined;
    button?.addEventListener('click', () => void signOut?.());
    clear(account, el('span', {}, session.name), button);
  }
  const nav = document.getElementById('nav');
  if (nav) {
    clear(nav, ...links.map(([href, text]) => el('a', { href, class: 'nav-link' }, text)));
    const mark = () => {
      for (const link of Array.from(nav.querySelectorAll('a'))) link.classList.toggle('active', window.location.hash.startsWith(link.getAttribute('href') ?? ''));
    };
    window.addEventListener('hashchange', mark);
    mark();
  }
  startRouter(root, [${views.map((view) => `...${view.routesExport}`).join(', ')}], '${home}', showProblem);
}

start().catch(showProblem);
${
  variant === 'mobile'
    ? `
// The service worker caches the app shell so the app opens offline, and what the user read so it can be read again.
if ('serviceWorker' in navigator) {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('./sw.js').catch((error: unknown) => console.warn('service worker not registered', error));
  });
}
`
    : ''
}`;
}

function indexHtml(model: DomainModel, clients: GeneratedClient[], variant: AppVariant): string {
  const metas = clients
    .map((client) => `    <meta name="api-base-url:${client.slug}" content="/api/${client.slug}" />`)
    .join('\n');
  const mobileHead =
    variant === 'mobile'
      ? `
    <meta name="theme-color" content="#1f6f50" />
    <meta name="mobile-web-app-capable" content="yes" />
    <meta name="apple-mobile-web-app-capable" content="yes" />
    <link rel="manifest" href="manifest.webmanifest" />
    <link rel="apple-touch-icon" href="icons/icon.svg" />`
      : '';
  const layout =
    variant === 'web'
      ? `    <header class="top"><strong>${html(model.product.name)}</strong><nav id="nav"></nav><span id="account" class="account"></span></header>
    <main id="app" class="content"><p>Loading…</p></main>`
      : `    <header class="top"><strong>${html(model.product.name)}</strong><span id="account" class="account"></span></header>
    <main id="app" class="content"><p>Loading…</p></main>
    <nav id="nav" class="tabs"></nav>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1${variant === 'mobile' ? ', viewport-fit=cover' : ''}" />
    <title>${html(model.product.name)}</title>
    <!-- Base URL of each service's API; empty = same origin (behind a gateway or reverse proxy). -->
${metas}${mobileHead}
    <link rel="icon" href="icons/icon.svg" type="image/svg+xml" />
    <link rel="stylesheet" href="styles.css" />
    <script type="module" src="dist/main.js"></script>
  </head>
  <body class="${variant}">
${layout}
  </body>
</html>
`;
}

const sharedCss = `:root { --accent: #1f6f50; --ink: #1d2327; --muted: #5f6b73; --line: #d9dee2; --bad: #b3261e; font-family: system-ui, sans-serif; color: var(--ink); }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); }
.view-header { display: flex; align-items: center; gap: 1rem; justify-content: space-between; }
.button { display: inline-block; padding: 0.5rem 0.9rem; border: 1px solid var(--accent); border-radius: 6px; background: #fff; color: var(--accent); text-decoration: none; cursor: pointer; font: inherit; }
.button.primary { background: var(--accent); color: #fff; }
.button:disabled { opacity: 0.45; cursor: not-allowed; }
.form { display: grid; gap: 0.8rem; max-width: 36rem; }
.form.inline { display: flex; flex-wrap: wrap; align-items: end; }
.field { display: grid; gap: 0.25rem; }
.field input, .field select, .field textarea { font: inherit; padding: 0.5rem; border: 1px solid var(--line); border-radius: 6px; }
.field-checkbox { grid-template-columns: auto 1fr; align-items: center; }
.field-error, .problem { color: var(--bad); }
.badge { padding: 0.1rem 0.5rem; border-radius: 999px; background: #e6f2ec; color: var(--accent); font-size: 0.85em; }
.details { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; }
.details dt { color: var(--muted); }
.actions { display: flex; flex-wrap: wrap; gap: 0.5rem; margin-top: 1rem; }
.pager { display: flex; gap: 1rem; align-items: center; margin-top: 1rem; }
.empty { color: var(--muted); }
.account { margin-left: auto; display: flex; gap: 0.6rem; align-items: center; }
`;

const webCss = `${sharedCss}.top { display: flex; gap: 2rem; align-items: center; padding: 0.8rem 1.5rem; border-bottom: 1px solid var(--line); }
.top nav { display: flex; gap: 1rem; }
.nav-link.active { font-weight: 600; }
.content { padding: 1.5rem; max-width: 72rem; margin: 0 auto; }
.list { width: 100%; border-collapse: collapse; }
.list th, .list td { text-align: left; padding: 0.5rem; border-bottom: 1px solid var(--line); }
`;

/** Mobile first: one column, large touch targets, tabs at the bottom within thumb reach; wider screens get margins. */
const mobileCss = `${sharedCss}body { min-height: 100vh; display: flex; flex-direction: column; padding-bottom: env(safe-area-inset-bottom); }
.top { position: sticky; top: 0; padding: 0.8rem 1rem; background: var(--accent); color: #fff; z-index: 1; }
.content { flex: 1; padding: 1rem; }
.button { min-height: 44px; }
.field input, .field select, .field textarea { min-height: 44px; font-size: 16px; }
.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 0.6rem; }
.card a { display: grid; gap: 0.2rem; padding: 0.9rem; border: 1px solid var(--line); border-radius: 10px; color: inherit; text-decoration: none; }
.tabs { position: sticky; bottom: 0; display: flex; overflow-x: auto; background: #fff; border-top: 1px solid var(--line); }
.tabs .nav-link { flex: 1; min-width: 6rem; padding: 0.9rem 0.5rem; text-align: center; text-decoration: none; }
.tabs .nav-link.active { font-weight: 600; border-top: 3px solid var(--accent); }
.details { grid-template-columns: 1fr; }
@media (min-width: 48rem) {
  .content { max-width: 48rem; margin: 0 auto; }
  .cards { grid-template-columns: 1fr 1fr; }
}
`;

function serviceWorker(model: DomainModel, clients: GeneratedClient[]): string {
  const version = `${model.product.slug}-shell-v1`;
  return `// Service worker: caches the app shell at install so the app starts offline, and keeps a copy of what the
// signed-in user read (GET of the APIs on this origin) so it can be read again offline. Writes always need the
// network. The copies are kept per person: renewing the token keeps them, another person signing in on the device
// cannot read them through the app, and they go when that person signs in.
const CACHE = ${tsLiteral(version)};
const DATA = 'data-';
const SHELL = ['./', './index.html', './styles.css', './manifest.webmanifest', './icons/icon.svg', './dist/main.js', './dist/router.js', './dist/signIn.js', './dist/ui.js', './dist/api/http.js', ${clients.map((c) => `'./dist/api/${c.slug}.js', './dist/views/${c.slug}.js'`).join(', ')}];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // How to sign in, from the product's gateway; a static server without one has none (the app then asks for a token).
      .then((cache) => cache.addAll(SHELL).then(() => cache.add('./sign-in.json').catch(() => undefined)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});

/**
 * Who a bearer token names (issuer and subject, read without checking: the services check it), so the copies
 * survive the token's renewal; the whole header when it is not a JSON Web Token.
 */
function signedInAs(authorization) {
  try {
    const payload = authorization.split(' ')[1].split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(payload));
    const subject = claims.oid || claims.sub;
    if (typeof claims.iss === 'string' && typeof subject === 'string') return claims.iss + ' ' + subject;
  } catch {
    // Not a JSON Web Token: the header itself tells people apart.
  }
  return authorization;
}

/** The cache of the copies read by this request's signed-in person (one person's copies at a time). */
async function dataCache(request) {
  const person = new TextEncoder().encode(signedInAs(request.headers.get('authorization') || ''));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', person));
  const name = DATA + Array.from(digest.slice(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
  for (const key of await caches.keys()) if (key.startsWith(DATA) && key !== name) await caches.delete(key);
  return caches.open(name);
}

/** Network first; what it answered is kept, and served when the network is gone. */
async function readThrough(request) {
  const cache = await dataCache(request);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const copy = await cache.match(request);
    if (copy) return copy;
    throw error;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.includes('/v1/')) {
    event.respondWith(readThrough(request));
    return;
  }
  if (request.mode === 'navigate') {
    // Network first for the page itself, so a new version shows up; the cached shell when offline.
    event.respondWith(fetch(request).catch(() => caches.match('./index.html')));
    return;
  }
  // The shell too: network first, so a new version's scripts come with its page; the cached copy offline.
  event.respondWith(
    fetch(request)
      .then(async (response) => {
        if (response.ok) await (await caches.open(CACHE)).put(request, response.clone());
        return response;
      })
      .catch(async () => (await caches.match(request)) || Response.error()),
  );
});
`;
}

function manifest(model: DomainModel): string {
  return JSON.stringify(
    {
      name: model.product.name,
      short_name: model.product.name.length > 12 ? model.product.name.split(/\s+/)[0] : model.product.name,
      description: `${model.product.name} on your phone`,
      start_url: './',
      scope: './',
      display: 'standalone',
      orientation: 'portrait',
      background_color: '#ffffff',
      theme_color: '#1f6f50',
      icons: [{ src: 'icons/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any maskable' }],
    },
    null,
    2,
  );
}

function icon(model: DomainModel): string {
  const letter = (model.product.name.match(/[A-Za-z0-9]/)?.[0] ?? 'F').toUpperCase();
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512"><rect width="512" height="512" rx="96" fill="#1f6f50"/><text x="256" y="330" font-family="system-ui, sans-serif" font-size="260" font-weight="700" text-anchor="middle" fill="#ffffff">${letter}</text></svg>
`;
}

function readme(
  model: DomainModel,
  variant: AppVariant,
  screens: EntityScreens[],
  missing: string[],
  feedback: string[],
): string {
  const title = variant === 'web' ? 'Web client' : 'Mobile app (PWA)';
  return `# ${markdownText(model.product.name)}: ${title.toLowerCase()}

${variant === 'web' ? 'A browser client for the main user journeys' : 'An installable progressive web app (mobile-first layout, offline app shell)'}, in plain TypeScript and the DOM, built on the typed API client in \`src/api/\` (generated from the OpenAPI documents).

## Build and run

\`\`\`
npm install
npm run build        # tsc -p . : src/ -> dist/
npx http-server .    # any static file server
\`\`\`

Each service's API is reached at \`/api/<service>\` on the app's own origin, where the product's gateway serves it
(\`<meta name="api-base-url:<service>">\` in \`index.html\`; put a full URL there to reach a service elsewhere).
Signing in follows the gateway's \`sign-in.json\` (\`src/signIn.ts\`): in Azure, Microsoft Entra ID through MSAL.js
(\`vendor/msal-browser.min.js\`, which the gateway image adds); locally, or with no gateway, a bearer token handed
over once as \`index.html#access_token=<token>\` (\`factory token RUN_ID --subject <you>\` prints one), kept for the
tab's session.
${variant === 'mobile' ? '\nThe service worker (`sw.js`) needs HTTPS (or localhost) to register; then the browser offers "Install".\n' : ''}
## Screens

| Context | Entity | List | Create | Detail | Commands |
| --- | --- | --- | --- | --- | --- |
${screens.map((s) => `| ${s.context} | ${s.entity} | ${s.list ? 'yes' : 'no'} | ${s.create ? 'yes' : 'no'} | ${s.detail ? 'yes' : 'no'} | ${s.commands.join(', ') || '—'} |`).join('\n')}
${missing.length ? `\n## Not built\n\nThe API documents lack these operations, so their screens are missing:\n\n${missing.map((m) => `- ${m}`).join('\n')}\n` : ''}${feedback.length ? `\n## Review findings considered in this revision\n\n${feedback.map((f) => `- ${f}`).join('\n')}\n` : ''}`;
}

export function generateApp(
  model: DomainModel,
  documents: OpenApiInput[],
  variant: AppVariant,
  options: AppOptions = {},
): GeneratedApp {
  const { clients, missing } = generateClients(model, documents);
  const views = model.contexts.flatMap((context) => {
    const client = clients.find((c) => c.slug === context.slug);
    return client ? [viewModule(context, client, variant)] : [];
  });
  const screens = views.flatMap((view) => view.screens);
  missing.push(...views.flatMap((view) => view.missing));
  const files: Array<{ path: string; content: string }> = [
    { path: 'index.html', content: indexHtml(model, clients, variant) },
    { path: 'styles.css', content: variant === 'web' ? webCss : mobileCss },
    { path: 'tsconfig.json', content: `${tsconfig}\n` },
    { path: 'package.json', content: `${packageJson(`${model.product.slug}-${variant}`)}\n` },
    { path: 'README.md', content: readme(model, variant, screens, missing, options.feedback ?? []) },
    ...clientFiles(clients).map((file) => ({ path: `src/api/${file.path}`, content: file.content })),
    { path: 'src/ui.ts', content: uiModule },
    { path: 'src/router.ts', content: routerModule },
    { path: 'src/signIn.ts', content: kitFile('src/signIn.ts', 'client') },
    ...views.map((view) => ({ path: view.path, content: view.content })),
    { path: 'src/main.ts', content: mainModule(model, clients, views, variant) },
  ];
  // Both declare the icon, so no browser asks for a favicon the product does not have.
  files.push({ path: 'icons/icon.svg', content: icon(model) });
  if (variant === 'mobile') {
    files.push(
      { path: 'manifest.webmanifest', content: `${manifest(model)}\n` },
      { path: 'sw.js', content: serviceWorker(model, clients) },
    );
  }
  return { files, screens, missing, clients: clients.map((c) => c.slug) };
}
