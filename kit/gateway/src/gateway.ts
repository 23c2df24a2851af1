import { createReadStream, statSync } from 'node:fs';
import {
  request as forward,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { request as forwardTls } from 'node:https';
import { extname, resolve, sep } from 'node:path';

/**
 * The product's one origin: its web app at `/`, its installable app (PWA) at `/app/`, and each service's API under
 * `/api/<service>/`, so the browser talks to one origin and needs no CORS. The same handler runs in the factory's
 * local deployment (following the live version's routing entry) and in the product's gateway container app in
 * Azure (following its environment).
 */
export interface LiveProduct {
  /** The folders of the built clients: `web` served at `/`, `mobile` at `/app/`. */
  clients: { web: string; mobile: string };
  /** How the clients sign in, served to them as `sign-in.json`; the factory's local tokens when absent. */
  signIn?: SignInSettings;
  /** The base URL of a service of the live version; undefined when the product has no such service. */
  service(name: string): string | undefined;
}

/**
 * What the clients read at `sign-in.json` (their `src/signIn.ts`): Microsoft Entra ID through MSAL.js with the
 * product API's registration, or a bearer token handed over in the page's fragment.
 */
export type SignInSettings =
  { method: 'token' } | { method: 'entra'; clientId: string; authority: string; scopes: string[] };

/** The settings as JSON names them, or why they are not usable (the gateway does not start with them). */
export function parseSignIn(text: string | undefined): SignInSettings {
  if (!text?.trim()) return { method: 'token' };
  let value: Partial<Record<string, unknown>>;
  try {
    value = JSON.parse(text) as Partial<Record<string, unknown>>;
  } catch {
    throw new Error('the sign-in settings are not JSON');
  }
  if (value?.method === 'token') return { method: 'token' };
  if (value?.method !== 'entra') throw new Error('the sign-in method must be "entra" or "token"');
  const { clientId, authority, scopes } = value;
  if (typeof clientId !== 'string' || !/^[0-9a-f-]{36}$/i.test(clientId))
    throw new Error('the sign-in settings need the client id (a GUID) of the product API registration');
  let url: URL | undefined;
  try {
    url = typeof authority === 'string' ? new URL(authority) : undefined;
  } catch {
    url = undefined;
  }
  // MSAL.js accepts only an https:// authority; a page would fail later and less clearly.
  if (url?.protocol !== 'https:' || url.search || url.hash)
    throw new Error('the sign-in authority must be an https:// URL (the tenant at the login endpoint)');
  if (
    !Array.isArray(scopes) ||
    !scopes.length ||
    !scopes.every((s) => typeof s === 'string' && /^\S+$/.test(s))
  )
    throw new Error('the sign-in settings need the scopes the clients ask for');
  return { method: 'entra', clientId, authority: url.href.replace(/\/$/, ''), scopes: scopes as string[] };
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

const fileHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Each deployment may change a file under the same name: the browser asks again every time.
  'cache-control': 'no-cache',
};

/**
 * Pages may load only what this origin serves and talk to nothing else, except the identity provider's token
 * endpoint when they sign in with Entra ID; nothing may frame them.
 */
function pageHeaders(signIn?: SignInSettings) {
  const provider = signIn?.method === 'entra' ? ` ${new URL(signIn.authority).origin}` : '';
  return {
    'content-security-policy': `default-src 'self'; connect-src 'self'${provider}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
    ...fileHeaders,
  };
}

/** Headers that belong to one connection, never forwarded (RFC 9110, 7.6.1). */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !hopByHop.has(name.toLowerCase())));
}

function problem(res: ServerResponse, status: number, title: string, detail: string): void {
  res.writeHead(status, { 'content-type': 'application/problem+json', ...pageHeaders() });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/** `/api/<service>/<rest>` to that service of the live version, as it was asked (method, headers, body). */
function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  live: LiveProduct,
  service: string,
  rest: string,
): void {
  const base = live.service(service);
  if (!base) return problem(res, 404, 'Not Found', `the product has no service ${service}`);
  const url = new URL(base);
  const upstream = (url.protocol === 'https:' ? forwardTls : forward)(
    {
      protocol: url.protocol,
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: `${url.pathname.replace(/\/$/, '')}${rest}`,
      headers: {
        ...withoutHopByHop(req.headers),
        host: url.host,
        'x-forwarded-host': req.headers.host ?? '',
        // Behind the platform's ingress, TLS ended there and it says so; on loopback it is plain HTTP.
        'x-forwarded-proto': String(req.headers['x-forwarded-proto'] ?? 'http'),
        'x-forwarded-prefix': `/api/${service}`,
      },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
      answer.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (res.headersSent) res.destroy();
    else problem(res, 502, 'Bad Gateway', `the ${service} service did not answer`);
  });
  req.pipe(upstream);
}

/**
 * A file of the live version's client: `web` at `/`, `mobile` at `/app/`, nothing outside its folder; and the
 * clients' sign-in settings at `sign-in.json` beside each.
 */
function serveFile(req: IncomingMessage, res: ServerResponse, live: LiveProduct, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return problem(res, 405, 'Method Not Allowed', 'pages are only read');
  }
  if (pathname === '/sign-in.json' || pathname === '/app/sign-in.json') {
    const body = JSON.stringify(live.signIn ?? { method: 'token' });
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
      ...pageHeaders(),
    });
    return void res.end(req.method === 'HEAD' ? undefined : body);
  }
  if (pathname === '/app') {
    res.writeHead(308, { location: '/app/', ...pageHeaders() });
    return void res.end();
  }
  const app = pathname.startsWith('/app/');
  const root = resolve(app ? live.clients.mobile : live.clients.web);
  let relative: string;
  try {
    relative = decodeURIComponent(app ? pathname.slice('/app'.length) : pathname);
  } catch {
    return problem(res, 400, 'Bad Request', 'the path is not valid percent-encoding');
  }
  if (relative.endsWith('/')) relative += 'index.html';
  const file = resolve(root, `.${relative}`);
  const stat = relative.includes('\0') ? undefined : statSync(file, { throwIfNoEntry: false });
  if (!file.startsWith(root + sep) || !stat?.isFile())
    return problem(res, 404, 'Not Found', `no page ${pathname}`);
  res.writeHead(200, {
    'content-type': types[extname(file)] ?? 'application/octet-stream',
    'content-length': stat.size,
    ...pageHeaders(live.signIn),
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}

/**
 * The gateway's request handler. `live` is asked on every request, so whoever decides which version is live (a
 * routing file, the platform's revisions) moves pages and APIs at the same instant; undefined answers 503.
 */
export function gatewayHandler(live: () => LiveProduct | undefined) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const { pathname, search } = new URL(req.url ?? '/', 'http://gateway');
    if (pathname === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return void res.end('ok');
    }
    let product: LiveProduct | undefined;
    try {
      product = live();
    } catch {
      product = undefined;
    }
    if (!product) return problem(res, 503, 'Service Unavailable', 'no version of the product is live');
    const api = /^\/api\/([a-z0-9-]+)(\/.*)?$/.exec(pathname);
    if (api) return proxy(req, res, product, api[1], `${api[2] ?? '/'}${search}`);
    serveFile(req, res, product, pathname);
  };
}
