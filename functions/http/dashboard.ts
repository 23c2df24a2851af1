import { app, type HttpResponseInit } from '@azure/functions';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handle } from './handle';
import { ProblemError } from './problem';

/** The built dashboard (`npm run build`: dashboard/src compiled, dashboard/static copied). */
const folder = __filename.endsWith('.ts')
  ? join(__dirname, '..', '..', 'dist', 'dashboard')
  : join(__dirname, '..', '..', 'dashboard');

const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};

/** Only the build's own files are served, by exact name: a path can name nothing else. */
let files: Map<string, Buffer> | undefined;
function served(): Map<string, Buffer> {
  if (files?.size) return files;
  // Read until there is a build to read (a server may start before `npm run build` has finished).
  files = new Map();
  if (existsSync(folder))
    for (const name of readdirSync(folder))
      if (/^[a-z][A-Za-z0-9-]*\.(html|css|js|svg)$/.test(name))
        files.set(name, readFileSync(join(folder, name)));
  return files;
}

/**
 * The dashboard's script only talks to this origin; nothing is inlined, framed or loaded from elsewhere.
 */
const contentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * GET /api/dashboard/{path}: the dashboard's page, script and styles. They hold no data and need no sign-in; every
 * call the page makes goes to the API with the person's credentials.
 */
export const dashboardHandler = handle('anonymous', async (call): Promise<HttpResponseInit> => {
  const { pathname } = new URL(call.request.url);
  // The page's files are named relative to it: /api/dashboard must become /api/dashboard/ for them to resolve.
  if (!call.request.params.path && !pathname.endsWith('/'))
    return { status: 302, headers: { location: `${pathname}/`, 'cache-control': 'no-cache' } };
  const name = call.request.params.path || 'index.html';
  const content = served().get(name);
  if (!content)
    throw new ProblemError(
      'not-found',
      files?.size
        ? `the dashboard has no file ${JSON.stringify(name.slice(0, 80))}`
        : 'the dashboard is not built',
    );
  return {
    status: 200,
    headers: {
      'content-type': types[name.slice(name.lastIndexOf('.') + 1)],
      'cache-control': 'no-cache',
      'content-security-policy': contentSecurityPolicy,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    },
    body: content,
  };
});

app.http('dashboard', {
  route: 'dashboard/{*path}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: dashboardHandler,
});
