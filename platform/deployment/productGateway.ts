import { createReadStream, readFileSync, statSync } from 'node:fs';
import {
  createServer,
  request as forward,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

/**
 * The product's one origin on this machine, as a gateway or Static Web Apps with linked backends gives it in the
 * cloud: the live version's web app at `/`, its installable app (PWA) at `/app/`, and each service's API under
 * `/api/<service>/`. It reads the deployment's routing entry (`current.json`) on every request, so a blue/green
 * switch or a rollback moves the pages and the APIs together, and the browser needs no CORS. It runs detached,
 * started by the local target, and serves only what the deployment folder holds.
 *
 * Usage: node productGateway.js DEPLOYMENT_DIR [PORT]
 */

interface Routing {
  version: string;
  status: 'live' | 'stopped';
  services: Array<{ service: string; url: string }>;
}

const base = resolve(process.argv[2] ?? '.');
const routingFile = join(base, 'current.json');
let cached: { key: string; routing: Routing } | undefined;

/** The routing entry, read again only when the file was replaced (it is written by rename). */
function routing(): Routing | undefined {
  const stat = statSync(routingFile, { throwIfNoEntry: false });
  if (!stat) return undefined;
  const key = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  if (cached?.key !== key)
    cached = { key, routing: JSON.parse(readFileSync(routingFile, 'utf8')) as Routing };
  return cached.routing;
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

/** Pages may load only what this origin serves; nothing may frame them. */
const pageHeaders = {
  'content-security-policy':
    "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  // Each deployment may change a file under the same name: the browser asks again every time.
  'cache-control': 'no-cache',
};

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
  res.writeHead(status, { 'content-type': 'application/problem+json', ...pageHeaders });
  res.end(JSON.stringify({ type: 'about:blank', title, status, detail }));
}

/** `/api/<service>/<rest>` to the live version of that service, as it was asked (method, headers, body). */
function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  live: Routing,
  service: string,
  rest: string,
): void {
  const target = live.services.find((s) => s.service === service);
  if (!target) return problem(res, 404, 'Not Found', `the product has no service ${service}`);
  const url = new URL(target.url);
  const upstream = forward(
    {
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: rest,
      headers: {
        ...withoutHopByHop(req.headers),
        host: url.host,
        'x-forwarded-host': req.headers.host ?? '',
        'x-forwarded-proto': 'http',
        'x-forwarded-prefix': `/api/${service}`,
      },
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
      answer.pipe(res);
    },
  );
  upstream.on('error', (error) => {
    if (res.headersSent) res.destroy(error);
    else problem(res, 502, 'Bad Gateway', `the ${service} service did not answer`);
  });
  req.pipe(upstream);
}

/** A file of the live version's client: `web` at `/`, `mobile` at `/app/`; nothing outside its folder. */
function serveFile(req: IncomingMessage, res: ServerResponse, live: Routing, pathname: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return problem(res, 405, 'Method Not Allowed', 'pages are only read');
  }
  const app = pathname === '/app' || pathname.startsWith('/app/');
  if (pathname === '/app') {
    res.writeHead(308, { location: '/app/', ...pageHeaders });
    return void res.end();
  }
  const root = join(base, live.version, 'clients', app ? 'mobile' : 'web');
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
    ...pageHeaders,
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}

const server = createServer((req, res) => {
  const { pathname, search } = new URL(req.url ?? '/', 'http://gateway');
  if (pathname === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    return void res.end('ok');
  }
  let live: Routing | undefined;
  try {
    live = routing();
  } catch {
    live = undefined;
  }
  if (!live || live.status !== 'live')
    return problem(res, 503, 'Service Unavailable', 'no version of the product is live');
  const api = /^\/api\/([a-z0-9-]+)(\/.*)?$/.exec(pathname);
  if (api) return proxy(req, res, live, api[1], `${api[2] ?? '/'}${search}`);
  serveFile(req, res, live, pathname);
});

const wanted = Number(process.argv[3] ?? 0);
// The port it had before (a restart keeps the product's address), unless something else took it meanwhile.
server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE' && wanted !== 0) server.listen(0, '127.0.0.1');
  else throw error;
});
server.listen(wanted, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on port ${address.port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
