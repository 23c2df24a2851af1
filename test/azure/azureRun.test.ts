import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { findBicep, runBicep } from '../infra/bicepCli';
import type { ArmTemplate } from '../infra/armChecks';
import { productInstance } from '../../platform/deployment';
import { buildCacheFolder } from '../../toolchain/backend/compileService';
import { fakeAppName, milestones } from '../support/servers/fakeArm';
import { postgresTokenResource } from '../support/servers/flexibleServer';
import { buildOpenApi } from '../../agents/blueprint/architecture/openapi';
import { operationsOf, sampleBody } from '../../agents/blueprint/testing/contractTests';
import { analyseVision } from '../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../agents/blueprint/vision/domainDerivation';
import type { ActivityExecution } from './activityProcesses';
import {
  productEventsObserver,
  productEventsTopic,
  startAzureShapedEnvironment,
  type AzureShapedEnvironment,
} from './azureShapedEnvironment';
import type { ProvisionRequest } from './provisionData';

const appDir = join(__dirname, '..', '..');
const compiled = (file: string) => join(appDir, 'dist', 'test', 'azure', file);
const vision = readFileSync(join(appDir, 'examples/visions/neighbourhood-tool-library.md'), 'utf8');
const runTimeoutMs = 25 * 60_000;

/** Path, size and modification time of every file under a folder: what a write anywhere would change. */
function snapshot(folder: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      // Git's own folder is not part of the app package.
      if (entry.isDirectory() && path === join(folder, '.git')) continue;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        const stat = statSync(path);
        files.set(relative(folder, path), `${stat.size}:${stat.mtimeMs}`);
      }
    }
  };
  walk(folder);
  return files;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed = [...after].filter(([path, mark]) => before.get(path) !== mark).map(([path]) => path);
  const removed = [...before.keys()].filter((path) => !after.has(path));
  return [...changed, ...removed].sort();
}

/** The caller as App Service Authentication passes it to the app after validating an Entra ID token. */
function clientPrincipal(tenantId: string, roles: string[]): string {
  const claims = [
    { typ: 'http://schemas.microsoft.com/identity/claims/tenantid', val: tenantId },
    { typ: 'http://schemas.microsoft.com/identity/claims/objectidentifier', val: 'azure-shaped-user' },
    ...roles.map((val) => ({ typ: 'roles', val })),
  ];
  return Buffer.from(JSON.stringify({ auth_typ: 'aad', role_typ: 'roles', claims })).toString('base64');
}

describe('an Azure-shaped run: the compiled Functions app with the template’s settings, on a read-only app folder, activities in processes that share no disk', () => {
  const tenantId = 'azure-shaped';
  const headers = {
    'x-ms-client-principal': clientPrincipal(tenantId, ['Runs.Start', 'Runs.Read', 'Gates.Approve']),
  };
  let environment: AzureShapedEnvironment;
  let template: ArmTemplate;
  let root: string;
  let hostDir: string;
  let workersDir: string;
  let host: ChildProcess;
  let hostLog = '';
  let url: string;
  let appBefore: Map<string, string>;
  /** Which product revisions fail their health checks (the second test's). */
  let unhealthy: (revision: string) => boolean = () => false;

  beforeAll(async () => {
    const bicep = findBicep();
    if (!bicep.path) throw new Error(bicep.reason);
    const built = await runBicep(bicep.path, ['build', 'infra/bicep/main.bicep', '--stdout'], appDir);
    if (built.exitCode !== 0) throw new Error(`bicep build failed: ${built.stderr}`);
    template = JSON.parse(built.stdout) as ArmTemplate;
    environment = await startAzureShapedEnvironment(template, {
      bicep: bicep.path,
      healthyRevision: (revision) => !unhealthy(revision),
    });

    const provision: ProvisionRequest = {
      blobConnectionString: environment.blob.connectionString,
      artifactsContainer: environment.env.ARTIFACTS_CONTAINER,
      cosmosEndpoint: environment.cosmos.endpoint,
      cosmosKey: environment.cosmos.key,
      cosmosDatabase: environment.env.COSMOS_DATABASE,
    };
    // Asynchronously: the servers it talks to run in this process.
    const provisioning = spawn(process.execPath, [compiled('provisionData.js'), JSON.stringify(provision)], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: environment.caFile },
      stdio: 'inherit',
    });
    const provisioned = await new Promise<number | null>((resolve) => provisioning.once('exit', resolve));
    if (provisioned !== 0) throw new Error(`provisioning the data stores failed (exit ${provisioned})`);

    root = mkdtempSync(join(tmpdir(), 'azure-shaped-'));
    hostDir = join(root, 'host');
    workersDir = join(root, 'workers');
    for (const dir of [hostDir, join(hostDir, 'home'), join(hostDir, 'tmp'), workersDir]) mkdirSync(dir);
    appBefore = snapshot(appDir);

    host = spawn(
      'bwrap',
      [
        ...['--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc'],
        ...['--bind', hostDir, hostDir, '--bind', workersDir, workersDir],
        ...['--chdir', appDir, '--die-with-parent', '--'],
        process.execPath,
        compiled('functionsHost.js'),
        appDir,
        workersDir,
      ],
      {
        env: { ...environment.env, HOME: join(hostDir, 'home'), TMPDIR: join(hostDir, 'tmp') },
        // Its stdin ending stops it (a signal would stop bubblewrap, not the host).
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    host.stderr!.on('data', (chunk: Buffer) => {
      hostLog += chunk.toString('utf8');
      if (process.env.AZURE_SHAPED_VERBOSE) process.stderr.write(chunk);
    });
    const firstLine = await new Promise<string>((resolve, reject) => {
      const lines = createInterface({ input: host.stdout! });
      lines.once('line', resolve);
      host.once('exit', (code) =>
        reject(new Error(`the host ended (code ${code}): ${hostLog.slice(-3000)}`)),
      );
    });
    url = (JSON.parse(firstLine) as { url: string }).url;
  }, 180_000);

  const stopHost = async () => {
    if (!host || host.exitCode !== null || host.signalCode !== null) return;
    const exited = new Promise((resolve) => host.once('exit', resolve));
    host.stdin!.end();
    await exited;
  };

  afterAll(async () => {
    await stopHost();
    await environment?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  }, 120_000);

  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  /** Polls the run until it ends, approving the architecture gate over the API when it waits there. */
  const runToEnd = async (runId: string) => {
    const deadline = Date.now() + runTimeoutMs;
    let run: Record<string, unknown> = {};
    let approved = false;
    while (Date.now() < deadline) {
      run = (await api('GET', `/api/runs/${runId}`)).body;
      if (run.status === 'WaitingForApproval' && !approved) {
        const decision = await api('POST', `/api/runs/${runId}/approvals/architecture`, {
          decision: 'approve',
          reason: 'the architecture fits',
        });
        expect(decision.status).toBe(202);
        approved = true;
      }
      if (['Completed', 'Failed', 'Rejected', 'Terminated'].includes(run.status as string)) break;
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    // Failed gates on the way (reworks) show what failed.
    const failedCriteria = (
      (run.gates ?? []) as Array<{
        phase: string;
        iteration: number;
        attempt: number;
        criteria: Array<{ name: string; passed: boolean }>;
      }>
    ).flatMap((g) =>
      g.criteria
        .filter((c) => !c.passed)
        .map((c) => ({ phase: g.phase, iteration: g.iteration, attempt: g.attempt, ...c })),
    );
    return { status: run.status, failure: run.failure ?? undefined, failedCriteria, approved };
  };

  const startRun = async (options: Record<string, unknown>) => {
    const started = await api('POST', '/api/runs', { vision, name: 'ToolShed', options });
    expect(started.status).toBe(202);
    return started.body.runId as string;
  };

  /** The serving revision of each of a run's container apps, by revision name. */
  const serving = (runId: string) =>
    [...new Set(environment.arm.builds.map((b) => b.arguments.SERVICE ?? 'web'))]
      .map((service) => environment.arm.app(fakeAppName(service, productInstance(tenantId, runId))))
      .filter((app) => app !== undefined)
      .map((app) => app.traffic.find((t) => t.weight === 100)?.revisionName);

  /**
   * Calls a command over the product's ingress as a user would: for each `POST .../{id}/<verb>` of the services'
   * documents, a record is created from its schema's samples first; the first command that succeeds is the one.
   */
  const invokeCommand = async (
    runId: string,
    documents: Array<{ service: string; document: Record<string, unknown> }>,
  ) => {
    const tried: string[] = [];
    // A person of the tenant signed in for the product's API, registered in Entra ID by the deployment.
    const registration = environment.graph.state.applications.find((a) =>
      String(a.uniqueName).endsWith(productInstance(tenantId, runId)),
    );
    if (!registration) throw new Error('the deployment registered no product API in Entra ID');
    const authorization = `Bearer ${environment.identity.token(`api://${registration.appId}`)}`;
    for (const { service, document } of documents) {
      const app = fakeAppName(service, productInstance(tenantId, runId));
      const origin = `${environment.arm.appsUrl}/${app}.${environment.arm.domain}`;
      const operations = operationsOf(document);
      for (const command of operations.filter(
        (o) => o.method === 'POST' && /\/\{id\}\/[a-z-]+$/.test(o.path),
      )) {
        const collection = command.path.replace(/\/\{id\}.*$/, '');
        const create = operations.find((o) => o.method === 'POST' && o.path === collection);
        if (!create) continue;
        const anonymous = await fetch(`${origin}${collection}`);
        if (anonymous.status !== 401)
          throw new Error(`GET ${collection} without a token: ${anonymous.status}`);
        const created = await fetch(`${origin}${collection}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify(sampleBody(create.requestSchema, 1)),
        });
        const record = (await created.json()) as { id?: string };
        if (created.status !== 201 || !record.id) {
          tried.push(`POST ${collection}: ${created.status}`);
          continue;
        }
        const path = command.path.replace('{id}', record.id);
        const done = await fetch(`${origin}${path}`, { method: 'POST', headers: { authorization } });
        if (done.ok) return { path, id: record.id };
        tried.push(`POST ${path}: ${done.status}`);
      }
    }
    throw new Error(`no command of the product could be called: ${tried.join('; ')}`);
  };

  it(
    'completes a whole run: approved over the API, its code in Azure Repos with a pull request, the product on Container Apps',
    async () => {
      const runId = await startRun({ model: 'blueprint', approvals: ['architecture'] });
      expect(await runToEnd(runId)).toEqual({
        status: 'Completed',
        failure: undefined,
        failedCriteria: [],
        approved: true,
      });

      // The product's code is on its branch of the Azure Repos repository, with a pull request into main.
      const branch = `factory/${tenantId}/${runId}`;
      const git = (...args: string[]) =>
        execFileSync('git', ['--git-dir', environment.repositoryDir, ...args], { encoding: 'utf8' });
      const files = git('ls-tree', '-r', '--name-only', branch).split('\n');
      expect(files).toEqual(expect.arrayContaining(['infra/main.bicep']));
      expect(files.some((f) => /^services\/[^/]+\/src\//.test(f))).toBe(true);
      expect(git('log', '--format=%an', branch).trim().split('\n').length).toBeGreaterThanOrEqual(5);
      expect(environment.git.api.pullRequests).toEqual([
        expect.objectContaining({
          flavour: 'azure-repos',
          repository: 'contoso/factory/products',
          source: branch,
          target: 'main',
          active: true,
        }),
      ]);

      // The product went to Container Apps through Resource Manager: template, image builds, blue/green.
      const steps = milestones(environment.arm);
      expect(steps.slice(0, 4)).toEqual([
        'deployments.createOrUpdate',
        'registries.getBuildSourceUploadUrl',
        'blob.upload',
        'registries.scheduleRun',
      ]);
      expect(steps.indexOf('app.get')).toBeGreaterThan(steps.indexOf('containerApps.update'));
      expect(steps.lastIndexOf('containerApps.update')).toBeGreaterThan(steps.indexOf('app.get'));
      expect(environment.arm.builds.length).toBeGreaterThan(0);
      expect(environment.arm.builds.every((b) => b.status === 'Succeeded')).toBe(true);
      // The product's own services answered its checks (built from the release package, run per revision).
      expect(environment.arm.appRequests.some((r) => r.url.includes('/v1/') && r.status === 201)).toBe(true);
      expect(serving(runId).every((revision) => /--v1-0-0-[0-9a-f]{7}$/.test(revision ?? ''))).toBe(true);
      // They keep their data in the product's PostgreSQL server, signed in with the product identity's token,
      // each in its own database with its migrations applied from the image.
      expect(environment.productIdentity.requests).toContainEqual(
        expect.objectContaining({ resource: postgresTokenResource, clientId: environment.productClientId }),
      );
      const databases = environment.database.databases();
      const services = new Set(environment.arm.builds.flatMap((b) => b.arguments.SERVICE ?? []));
      expect(databases.length).toBe(services.size);
      for (const database of databases) {
        const [ledger] = await environment.database.query(
          database,
          'SELECT count(*)::int AS applied FROM schema_migrations',
        );
        expect(ledger.applied).toBeGreaterThan(0);
      }
      // A user's command (the first one a sample record accepts) raises a domain event, which goes through the
      // outbox to the product's Service Bus topic, signed in with the product identity's token.
      // (The product's API as the blueprint engine of this run designed it, from the same vision.)
      const model = deriveDomainModel(analyseVision(vision));
      const documents = model.contexts.map((context) => ({
        service: context.slug,
        document: buildOpenApi(model, context),
      }));
      const command = await invokeCommand(runId, documents);

      // Phase 3 opened every screen of both clients in the session image's Chromium, inside a session.
      const uiTests = await api('GET', `/api/runs/${runId}/artifacts?kind=ui-test`);
      const uiUrl = (uiTests.body.artifacts as Array<{ url: string }>)[0].url;
      const ui = (await (await fetch(uiUrl, { headers })).json()) as {
        browser?: string;
        skipped?: string;
        screens: Array<{ ok: boolean }>;
        problems: string[];
      };
      expect(ui).toMatchObject({ browser: '/usr/lib/chromium/chromium', problems: [] });
      expect(ui.skipped).toBeUndefined();
      expect(ui.screens.length).toBeGreaterThan(0);
      expect(ui.screens.every((screen) => screen.ok)).toBe(true);

      // The product's web app, PWA and APIs on one origin: the gateway app, built from the release package's
      // gateway Dockerfile, which the deployment report names; its API routes reach the services' live revisions
      // through the environment.
      const reports = await api('GET', `/api/runs/${runId}/artifacts?kind=deployment-report`);
      const reportUrl = (reports.body.artifacts as Array<{ path: string; url: string }>).find((a) =>
        a.path.endsWith('.json'),
      )!.url;
      const report = (await (await fetch(reportUrl, { headers })).json()) as { web?: string };
      const gateway = fakeAppName('web', productInstance(tenantId, runId));
      // (Its address as people reach it, https://<app>.<environment domain>/; here mapped to a loopback front.)
      expect(report.web).toBe(`https://${gateway}.${environment.arm.domain}/`);
      expect(environment.arm.builds).toContainEqual(
        expect.objectContaining({ imageName: expect.stringMatching(/-web:1\.0\.0-/), status: 'Succeeded' }),
      );
      const page = await fetch(`${environment.arm.appsUrl}/${gateway}.${environment.arm.domain}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`content="/api/${documents[0].service}"`);
      const pwa = await fetch(
        `${environment.arm.appsUrl}/${gateway}.${environment.arm.domain}/app/manifest.webmanifest`,
      );
      expect(pwa.status).toBe(200);
      // People sign in with Entra ID: the gateway tells both clients the product API's registration, which now
      // knows both pages as single-page apps; the pages may reach the login endpoint and load MSAL.js from here.
      const productApi = environment.graph.state.applications.find((a) =>
        String(a.uniqueName).startsWith('factory-product-api-'),
      )!;
      const signInSettings = {
        method: 'entra',
        clientId: productApi.appId,
        authority: `https://login.microsoftonline.com/${environment.identity.tenantId}`,
        scopes: [`api://${productApi.appId}/user_impersonation`],
      };
      for (const at of ['/', '/app/']) {
        const settings = await fetch(
          `${environment.arm.appsUrl}/${gateway}.${environment.arm.domain}${at}sign-in.json`,
        );
        expect(await settings.json()).toEqual(signInSettings);
        const msal = await fetch(
          `${environment.arm.appsUrl}/${gateway}.${environment.arm.domain}${at}vendor/msal-browser.min.js`,
        );
        expect(msal.status).toBe(200);
        expect(await msal.text()).toMatch(/^\/\*! @azure\/msal-browser v5\./);
      }
      expect(page.headers.get('content-security-policy')).toContain(
        "connect-src 'self' https://login.microsoftonline.com;",
      );
      expect((productApi.spa as { redirectUris: string[] }).redirectUris).toEqual([
        `https://${gateway}.${environment.arm.domain}/`,
        `https://${gateway}.${environment.arm.domain}/app/`,
      ]);
      const collection = operationsOf(documents[0].document).find(
        (o) => o.method === 'GET' && !o.path.includes('{'),
      )!;
      const signedIn = {
        authorization: `Bearer ${environment.identity.token(`api://${environment.graph.state.applications[0].appId}`)}`,
      };
      const listed = await fetch(
        `${environment.arm.appsUrl}/${gateway}.${environment.arm.domain}/api/${documents[0].service}${collection.path}`,
        { headers: signedIn },
      );
      expect(listed.status).toBe(200);
      expect(environment.arm.appRequests).toContainEqual(
        expect.objectContaining({
          url: expect.stringMatching(
            new RegExp(
              `^${fakeAppName(documents[0].service, productInstance(tenantId, runId))}${collection.path.replace(/[/]/g, '\\/')}`,
            ),
          ),
          status: 200,
        }),
      );
      const observed = `${productEventsTopic}/subscriptions/${productEventsObserver}`;
      // (The SDK sends a JSON body as one data section holding its UTF-8 text.)
      const bodyOf = (message: { body?: { content?: Buffer } }) =>
        JSON.parse(String(message.body?.content)) as { name: string; entityId: string };
      // Events of other records (the post-deployment checks create some) may come first: wait for this one's.
      const about = () =>
        environment.bus.peek(observed).filter((e) => bodyOf(e.message).entityId === command.id);
      const deadline = Date.now() + 30_000;
      while (about().length < 2 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 500));
      // (The Service Bus SDK asks for `https://servicebus.azure.net//.default`: the resource with a slash.)
      expect(environment.productIdentity.requests).toContainEqual(
        expect.objectContaining({
          resource: 'https://servicebus.azure.net/',
          clientId: environment.productClientId,
        }),
      );
      const events = environment.bus.peek(observed);
      // The record's creation and the command each raised one.
      const names = about().map((e) => bodyOf(e.message).name);
      expect(names).toHaveLength(2);
      expect(names.filter((name) => name.endsWith('Created'))).toHaveLength(1);
      for (const { message } of events) {
        const body = bodyOf(message);
        expect(message.subject).toBe(body.name);
        // Named by its place in the service's outbox, for duplicate detection.
        expect(message.message_id).toMatch(new RegExp(`^${body.name}:${body.entityId}:\\d+$`));
      }

      // Generated code ran in the session pool, and every service was reached with the identity's tokens.
      expect(environment.sessions.requests.some((r) => r.path === '/executions')).toBe(true);
      // (Cosmos DB's SDK asks for its account's own audience, the account endpoint.)
      expect(new Set(environment.identity.requests.map((r) => r.resource.replace(/\/$/, '')))).toEqual(
        new Set([
          'https://storage.azure.com',
          new URL(environment.cosmos.endpoint).origin,
          'https://servicebus.azure.net',
          'https://dynamicsessions.io',
          'https://management.azure.com',
          '499b84ac-1321-427f-aa17-267ca6975798',
          'https://monitor.azure.com',
          // Microsoft Graph, where the product's API was registered, and that API, which the checks called.
          'https://graph.microsoft.com',
          ...environment.graph.state.applications.map((a) => `api://${a.appId}`),
        ]),
      );
      expect(environment.graph.state.applications).toHaveLength(1);
      expect(environment.graph.requests.every((r) => r.headers.authorization?.startsWith('Bearer '))).toBe(
        true,
      );
      expect(environment.identity.requests.every((r) => r.clientId === environment.clientId)).toBe(true);
    },
    runTimeoutMs,
  );

  it(
    'keeps the serving version when the next one fails its health check, and the run says why',
    async () => {
      // The second iteration's release (1.1.0) never becomes healthy; no rework is allowed.
      unhealthy = (revision) => revision.includes('--v1-1-0-');
      const runId = await startRun({ model: 'blueprint', iterations: 2, maxReworks: 0 });
      const ended = await runToEnd(runId);
      expect(ended.status).toBe('Failed');
      // Only the second release's deployment failed its gate, saying that 1.0.0 still serves.
      expect(
        ended.failedCriteria.filter((c) => c.phase !== 'deployment-to-production' || c.iteration !== 2),
      ).toEqual([]);
      expect(ended.failedCriteria).toContainEqual(
        expect.objectContaining({
          name: 'released version serving',
          findings: ['serving 1.0.0, released 1.1.0'],
        }),
      );
      // Every app still serves 1.0.0; the 1.1.0 revisions were made, checked and deactivated.
      const live = serving(runId);
      expect(live.length).toBeGreaterThan(0);
      expect(live.every((revision) => /--v1-0-0-[0-9a-f]{7}$/.test(revision ?? ''))).toBe(true);
      expect(
        environment.arm.appRequests.some((r) => r.revision?.includes('--v1-1-0-') && r.status === 500),
      ).toBe(true);
    },
    runTimeoutMs,
  );

  it('ran every activity in its own process, left nothing on disk but its scratch, and sent its telemetry', async () => {
    await stopHost();
    expect(host.exitCode).toBe(0);
    // Telemetry reached Application Insights, authenticated with Entra ID.
    expect(environment.ingestion.envelopes.length).toBeGreaterThan(0);
    expect(
      environment.ingestion.requests.every((r) => /^Bearer /.test(String(r.headers.authorization))),
    ).toBe(true);
    const executions = JSON.parse(
      readFileSync(join(workersDir, 'executions.json'), 'utf8'),
    ) as ActivityExecution[];
    // Every activity ran in a process of its own, in a folder of its own.
    expect(executions.length).toBeGreaterThan(100);
    expect(new Set(executions.map((e) => e.folder)).size).toBe(executions.length);
    expect(executions.filter((e) => !e.ok).map((e) => `${e.name}: ${e.error}`)).toEqual([]);
    // Scratch is removed by the activity that made it; only the compiled-service cache stays, which is removed
    // once idle (toolchain/backend/compileService.ts) and rebuilt where it is missing.
    const scratch = (e: ActivityExecution) =>
      e.leftovers.filter((f) => !f.startsWith(`tmp/${buildCacheFolder}/`));
    expect(executions.filter((e) => scratch(e).length > 0).map((e) => [e.name, scratch(e)])).toEqual([]);
    // Nothing in the app folder changed (it was read-only to the host and the activities anyway).
    expect(changes(appBefore, snapshot(appDir))).toEqual([]);
  }, 120_000);
});
