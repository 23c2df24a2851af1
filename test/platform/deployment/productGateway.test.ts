import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from '../../../platform/deployment/detachedProcess';
import { buildClient } from '../../../platform/deployment/clientBuild';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { writeTarGz } from '../../../platform/deployment/tarball';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';

/** A service that echoes what reached it: method, path, authorization and body. */
const service = `import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    res.writeHead(req.url === '/health' ? 200 : 201, { 'content-type': 'application/json', 'x-marker': 'items' });
    res.end(JSON.stringify({ method: req.method, url: req.url, authorization: req.headers.authorization ?? null, body }));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () =>
  process.stdout.write('items listening on port ' + (server.address() as AddressInfo).port + '\\n'));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** A web client in the shape the factory generates: a page naming each service's base URL, TypeScript modules. */
const page = (title: string) => `<!doctype html>
<html lang="en"><head><title>${title}</title>
<meta name="api-base-url:items" content="/api/items" />
<script type="module" src="dist/main.js"></script></head><body></body></html>
`;

function release(title: string): Buffer {
  const file = (path: string, content: string) => ({ path, content: Buffer.from(content) });
  return writeTarGz([
    file('services/items/package.json', JSON.stringify({ name: 'items', private: true })),
    file('services/items/src/main.ts', service),
    file('web/index.html', page(title)),
    file('web/package.json', '{}'),
    file('web/.folder.json', '{}'),
    file('web/src/main.ts', "import { hello } from './hello.js';\ndocument.title = hello('web');\n"),
    file('web/src/hello.ts', 'export const hello = (name: string): string => `hello ${name}`;\n'),
    file('mobile/index.html', page(`${title} app`)),
    file('mobile/manifest.webmanifest', '{"name":"app"}'),
  ]);
}

describe('the product gateway: one origin for the web app, its PWA and the services', () => {
  const home = mkdtempSync(join(tmpdir(), 'factory-gateway-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  const deploy = (version: string, title: string) =>
    target.deploy({
      tenantId: 'test',
      runId: 'run-gw',
      version,
      archive: release(title),
      services: ['items'],
      smoke: [],
      healthTimeoutMs: 3000,
    });
  let web = '';

  afterAll(async () => {
    await target.undeploy('test', 'run-gw');
    rmSync(home, { recursive: true, force: true });
  });

  it('serves the compiled web app at its root and the PWA at /app/', async () => {
    const outcome = await deploy('1.0.0', 'first');
    expect(outcome.status).toBe('deployed');
    web = outcome.web!;
    expect(web).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await target.current('test', 'run-gw'))?.web).toBe(web);
    const index = await fetch(web);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    expect(html).toContain('<title>first</title>');
    const script = await fetch(`${web}dist/main.js`);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toContain("import { hello } from './hello.js';");
    expect(await (await fetch(`${web}dist/hello.js`)).text()).toContain('export const hello = (name) =>');
    // The installable app at /app/, with its manifest.
    expect(await (await fetch(`${web}app/`)).text()).toContain('<title>first app</title>');
    expect((await fetch(`${web}app/manifest.webmanifest`)).headers.get('content-type')).toBe(
      'application/manifest+json',
    );
    expect((await fetch(`${web}app`, { redirect: 'manual' })).headers.get('location')).toBe('/app/');
    // Locally both clients sign in with a token the factory issues, and may talk to this origin only.
    for (const at of ['', 'app/'])
      expect(await (await fetch(`${web}${at}sign-in.json`)).json()).toEqual({ method: 'token' });
    expect(index.headers.get('content-security-policy')).toContain("connect-src 'self';");
  });

  it('passes API calls to the live service as they were made, and answers what it cannot route', async () => {
    const reply = await fetch(`${web}api/items/v1/items?page=2`, {
      method: 'POST',
      headers: { authorization: 'Bearer abc', 'content-type': 'application/json' },
      body: '{"name":"drill"}',
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-marker')).toBe('items');
    expect(await reply.json()).toEqual({
      method: 'POST',
      url: '/v1/items?page=2',
      authorization: 'Bearer abc',
      body: '{"name":"drill"}',
    });
    const unknown = await fetch(`${web}api/ledger/v1/entries`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    expect((await fetch(`${web}missing.html`)).status).toBe(404);
    expect((await fetch(web, { method: 'POST' })).status).toBe(405);
  });

  it('serves nothing outside the client folder: no routing entry, no build settings, no other version', async () => {
    for (const path of [
      '%2e%2e/current.json',
      '..%2f..%2fcurrent.json',
      '%2e%2e%2f%2e%2e%2fgateway.json',
      'package.json',
      '.folder.json',
      'src/main.ts',
      '%00',
    ]) {
      const reply = await fetch(`${web}${path}`);
      expect([400, 404]).toContain(reply.status);
      expect(await reply.text()).not.toContain('"version"');
    }
  });

  it('follows a blue/green switch at the same address, and stops with the deployment', async () => {
    const outcome = await deploy('1.0.1', 'second');
    expect(outcome.status).toBe('deployed');
    expect(outcome.web).toBe(web);
    expect(await (await fetch(web)).text()).toContain('<title>second</title>');
    expect((await fetch(`${web}api/items/health`)).status).toBe(200);
    const gateway = JSON.parse(
      readFileSync(join(home, 'deployments', 'test', 'run-gw', 'gateway.json'), 'utf8'),
    ) as { pid: number };
    await target.undeploy('test', 'run-gw');
    expect(alive(gateway.pid)).toBe(false);
  });
});

describe('a generated client built for the browser', () => {
  it('compiles its modules, drops build settings, and refuses a client without a page or with broken code', () => {
    const file = (path: string, content: string) => ({ path, content: Buffer.from(content) });
    const built = buildClient([
      file('index.html', page('x')),
      file('tsconfig.json', '{}'),
      file('README.md', '# x'),
      file('src/main.ts', 'const n: number = 1;\nexport default n;\n'),
      file('styles.css', 'body{}'),
    ]);
    expect(built.map((f) => f.path).sort()).toEqual(['dist/main.js', 'index.html', 'styles.css']);
    expect(() => buildClient([file('styles.css', '')])).toThrow('the client has no index.html');
    expect(() => buildClient([file('index.html', ''), file('src/main.ts', 'const = ;')])).toThrow(
      /src\/main.ts does not compile/,
    );
  });
});
