import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateApp } from '../../../agents/blueprint/clients/apps';
import { gatewayDockerfilePath, serviceDockerfilePath } from '../../../core/ports/deploymentTarget';
import { isSecretName } from '../../../core/ports/sandbox';
import { gatewayDockerfile, gatewayEntries } from '../../../toolchain/release/gatewayImage';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';
import { dockerfileSteps, runDockerfile, startImage, type BuiltImage } from '../../support/localImages';
import { openApiDocuments } from '../streams/fixtures/openapi';

const service = toolLibraryModel.contexts[0].slug;

/** The release package's product tree for the gateway: both generated clients and the gateway's own files. */
function packageTree(): Array<{ path: string; content: Buffer }> {
  const docs = openApiDocuments(toolLibraryModel);
  const clients = (['web', 'mobile'] as const).flatMap((variant) =>
    generateApp(toolLibraryModel, docs, variant).files.map((f) => ({
      path: `${variant}/${f.path}`,
      content: Buffer.from(f.content),
    })),
  );
  return [...clients, ...gatewayEntries(new Set(clients.map((f) => f.path)))];
}

/** A service that says what reached it. */
async function echoService(): Promise<Server> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ url: req.url, authorization: req.headers.authorization ?? null }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return server;
}

describe("the product gateway's image", () => {
  const root = mkdtempSync(join(tmpdir(), 'factory-gateway-image-'));
  let image: BuiltImage;

  beforeAll(() => {
    const context = join(root, 'context');
    for (const file of packageTree()) {
      mkdirSync(dirname(join(context, file.path)), { recursive: true });
      writeFileSync(join(context, file.path), file.content);
    }
    image = runDockerfile(gatewayDockerfile, context, {}, root, resolve(__dirname, '../../../node_modules'));
  }, 120_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('is in the release package only for a product with both clients, next to the services Dockerfile', () => {
    const tree = packageTree();
    expect(tree.map((f) => f.path)).toEqual(
      expect.arrayContaining([gatewayDockerfilePath, 'gateway/src/main.ts', 'gateway/src/gateway.ts']),
    );
    expect(gatewayDockerfilePath).not.toBe(serviceDockerfilePath);
    expect(gatewayEntries(new Set(['web/index.html']))).toEqual([]);
  });

  it('builds from node:22-slim, carries no secret, and runs as the unprivileged node user', () => {
    const steps = dockerfileSteps(gatewayDockerfile);
    expect(steps.filter((s) => s.keyword === 'FROM').map((s) => s.args)).toEqual([
      'node:22-slim AS build',
      'node:22-slim',
    ]);
    const names = steps
      .filter((s) => s.keyword === 'ARG' || s.keyword === 'ENV')
      .flatMap((s) => s.args.split(' ').map((pair) => pair.split('=')[0]));
    expect(names.filter(isSecretName)).toEqual([]);
    expect(steps.find((s) => s.keyword === 'USER')?.args).toBe('node');
    expect(image.command).toEqual(['node', 'dist/src/main.js']);
  });

  it('serves the compiled web app and PWA without their sources, and forwards each API to its service', async () => {
    const echo = await echoService();
    const routes = { [service]: `http://127.0.0.1:${(echo.address() as AddressInfo).port}` };
    const { origin, process: gateway } = await startImage(image, { GATEWAY_ROUTES: JSON.stringify(routes) });
    try {
      const page = await fetch(`${origin}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await page.text()).toContain(`content="/api/${service}"`);
      const main = await fetch(`${origin}/dist/main.js`);
      expect(main.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(await main.text()).toContain('startRouter(');
      expect((await fetch(`${origin}/app/manifest.webmanifest`)).status).toBe(200);
      expect((await fetch(`${origin}/app/sw.js`)).status).toBe(200);
      for (const source of ['/src/main.ts', '/tsconfig.json', '/package.json', '/app/src/main.ts'])
        expect([source, (await fetch(`${origin}${source}`)).status]).toEqual([source, 404]);

      const api = await fetch(`${origin}/api/${service}/v1/things?limit=5`, {
        headers: { authorization: 'Bearer t' },
      });
      expect(await api.json()).toEqual({ url: '/v1/things?limit=5', authorization: 'Bearer t' });
      const unknown = await fetch(`${origin}/api/nowhere/v1/x`);
      expect(unknown.status).toBe(404);
      expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    } finally {
      gateway.kill('SIGTERM');
      echo.close();
    }
  });

  it('does not start without a valid route table, and says why', () => {
    for (const routes of ['', '[]', '{"items":"file:///etc"}']) {
      const run = spawnSync(process.execPath, [join(image.appDir, image.command[1])], {
        cwd: image.appDir,
        env: { PATH: process.env.PATH ?? '', GATEWAY_ROUTES: routes, PORT: '0' },
        encoding: 'utf8',
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/GATEWAY_ROUTES/);
    }
  });
});
