import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { generateApp } from '../../../agents/blueprint/clients/apps';
import { bearerAuthentication } from '../../../kit/service/src/api/authentication';
import { gatewayDockerfilePath, serviceDockerfilePath } from '../../../core/ports/deploymentTarget';
import { isSecretName } from '../../../core/ports/sandbox';
import { gatewayDockerfile, gatewayEntries } from '../../../toolchain/release/gatewayImage';
import { browserIt, chromiumPath, screenshotDir } from '../../support/chromium';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';
import { startEntraSignIn } from '../../support/servers/entraSignIn';
import { makeLoopbackCertificate } from '../../support/servers/loopbackTls';
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

/**
 * A service as the product's services authenticate (the kit's bearer authentication, trusting `issuer`): every GET
 * answers an empty page; the subjects of the tokens it accepted are kept.
 */
async function signedInService(settings: NodeJS.ProcessEnv): Promise<{ server: Server; subjects: string[] }> {
  const authenticate = bearerAuthentication(settings);
  const subjects: string[] = [];
  const server = createServer((req, res) => {
    authenticate(req.headers.authorization).then(
      (actor) => {
        subjects.push(actor.subject);
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ items: [], total: 0 }));
      },
      (error: Error) => {
        res.writeHead(401, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: error.message }),
        );
      },
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, subjects };
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

  browserIt('Entra ID sign-in browser test')(
    'signs people in with Entra ID through MSAL.js and calls the APIs with their token',
    async () => {
      if (!chromiumPath) throw new Error('CI is set but no Chromium was found: run .ci/install-chromium.sh');
      const certificate = makeLoopbackCertificate();
      const clientId = '3f6b2a9e-8d41-4c1e-9a57-2b0c6d4e8f13';
      const redirectUris: string[] = [];
      const user = {
        oid: 'a1b2c3d4-0000-4000-8000-00000000beef',
        name: 'Ada Lovelace',
        username: 'ada@contoso.example',
      };
      // Access tokens that MSAL.js considers due for renewal at once (it renews 5 minutes early): each call renews.
      const entra = await startEntraSignIn({
        certificate,
        clientId,
        redirectUris,
        user,
        accessTokenSeconds: 120,
      });
      const { server, subjects } = await signedInService({
        AUTH_ISSUER: entra.issuer,
        AUTH_AUDIENCE: clientId,
        AUTH_JWKS: entra.jwks,
      });
      const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const routes = Object.fromEntries(toolLibraryModel.contexts.map((c) => [c.slug, address]));
      const signIn = {
        method: 'entra',
        clientId,
        authority: entra.authority,
        scopes: [`api://${clientId}/user_impersonation`],
      };
      const { origin, process: gateway } = await startImage(image, {
        GATEWAY_ROUTES: JSON.stringify(routes),
        GATEWAY_SIGN_IN: JSON.stringify(signIn),
      });
      redirectUris.push(`${origin}/`, `${origin}/app/`);
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      const problems: string[] = [];
      try {
        // The browser trusts the loopback authority's certificate as it trusts login.microsoftonline.com's.
        const context = await browser.newContext({ ignoreHTTPSErrors: true });
        const tab = await context.newPage();
        tab.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
        tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        await tab.goto(`${origin}/`);
        await tab.getByText('Nothing here yet.').waitFor({ timeout: 20_000 });
        await tab.locator('#account').getByText('Ada Lovelace').waitFor();
        expect(entra.log).toEqual(
          expect.arrayContaining([
            `authorize ${origin}/ scope=${signIn.scopes[0]} openid profile offline_access`,
          ]),
        );
        expect(entra.log).toContain('token: authorization_code');
        expect(entra.log.filter((l) => l.startsWith('refused'))).toEqual([]);
        expect(subjects.length).toBeGreaterThan(0);
        expect(new Set(subjects)).toEqual(new Set([user.oid]));
        // The next screen's call renews the token with the refresh token, not with a hidden frame.
        const renewals = () => entra.log.filter((l) => l === 'token: refresh_token').length;
        const before = renewals();
        const calls = subjects.length;
        await tab.locator('#nav a').nth(1).click();
        await tab.getByText('Nothing here yet.').waitFor();
        while (subjects.length === calls) await new Promise((done) => setTimeout(done, 50));
        expect(renewals()).toBeGreaterThan(before);
        mkdirSync(screenshotDir, { recursive: true });
        await tab.screenshot({ path: join(screenshotDir, 'entra-sign-in.png'), fullPage: true });
        // The PWA signs in at its own address, in the same browser session with Entra ID.
        const app = await context.newPage();
        app.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        await app.goto(`${origin}/app/`);
        await app.getByText('Nothing here yet.').waitFor({ timeout: 20_000 });
        expect(entra.log).toEqual(
          expect.arrayContaining([expect.stringMatching(`^authorize ${origin}/app/ `)]),
        );
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
        gateway.kill('SIGTERM');
        server.close();
        await entra.close();
        certificate.remove();
      }
    },
    90_000,
  );

  it('does not start with sign-in settings it cannot use, and says why', () => {
    for (const signIn of [
      '{',
      '{"method":"password"}',
      '{"method":"entra","clientId":"x","authority":"https://login.microsoftonline.com/t","scopes":["s"]}',
      '{"method":"entra","clientId":"3f6b2a9e-8d41-4c1e-9a57-2b0c6d4e8f13","authority":"http://login.example/t","scopes":["s"]}',
      '{"method":"entra","clientId":"3f6b2a9e-8d41-4c1e-9a57-2b0c6d4e8f13","authority":"https://login.microsoftonline.com/t","scopes":[]}',
    ]) {
      const run = spawnSync(process.execPath, [join(image.appDir, image.command[1])], {
        cwd: image.appDir,
        env: { PATH: process.env.PATH ?? '', GATEWAY_ROUTES: '{}', GATEWAY_SIGN_IN: signIn, PORT: '0' },
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect([signIn, run.status]).toEqual([signIn, 1]);
      expect(run.stderr).toMatch(/sign-in/);
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
