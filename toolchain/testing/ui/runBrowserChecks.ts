import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ts } from '../../../platform/typescript';
import type { Sandbox, SandboxFile } from '../../../core/ports/sandbox';
import { serviceModel } from '../../backend/model';
import { referencedRecords, uniqueFields, validBody } from '../../backend/samples';
import type { DomainModel } from '../../schemas/domainModel';
import { buildClient, type ClientFile } from '../../../platform/deployment/clientBuild';
import { nodeHeapLimitArgs } from '../../../platform/sandbox/localProcessSandbox';
import { kitFile } from '../../backend/kit';
import { driverFiles } from '../runTests';
import { browserDriverSource, browserResultMarker } from './browserDriverSource';

export interface ScreenCheck {
  client: string;
  screen: string;
  path: string;
  ok: boolean;
  detail?: string;
  /** What became of the sample record submitted through the screen's "New" form, when it has one. */
  submitted?: string;
}

/** A valid record for a screen's "New" form, and the records of its service it refers to (made first). */
export interface FormSample {
  /** The screen's route, `#/<context>/<entity>`. */
  path: string;
  service: string;
  body: Record<string, unknown>;
  /** Fields no two records may share: made distinct per client. */
  unique: string[];
  parents: Array<{ field: string; collectionPath: string; body: Record<string, unknown>; unique: string[] }>;
}

/** A sample record for the "New" form of every entity of the product, by screen route. */
export function formSamples(model: DomainModel): Record<string, FormSample> {
  const samples: Record<string, FormSample> = {};
  for (const context of model.contexts) {
    const service = serviceModel(context, model.product.slug);
    for (const entity of service.entities) {
      const slug = context.entities.find((e) => e.name === entity.name)?.slug;
      if (!slug) continue;
      const path = `#/${context.slug}/${slug}`;
      samples[path] = {
        path,
        service: context.slug,
        body: validBody(entity, 1),
        unique: uniqueFields(entity),
        parents: referencedRecords(service, entity),
      };
    }
  }
  return samples;
}

export type BrowserChecks =
  { ran: true; browser: string; screens: ScreenCheck[]; problems: string[] } | { ran: false; reason: string };

let playwrightFiles: SandboxFile[] | undefined;

/** playwright-core as the driver loads it, from the factory's own installation. */
function playwright(): SandboxFile[] {
  if (playwrightFiles) return playwrightFiles;
  const root = dirname(require.resolve('playwright-core/package.json'));
  const files: SandboxFile[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile())
        files.push({
          path: `node_modules/playwright-core/${relative(root, path)}`,
          content: readFileSync(path),
        });
    }
  };
  walk(root);
  return (playwrightFiles = files);
}

/** The kit's gateway handler as CommonJS for the driver. */
function gatewayModule(): string {
  return ts.transpileModule(kitFile('src/gateway.ts', 'gateway'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

export interface BrowserCheckInput {
  /** Each service's compiled output folder, by slug. */
  services: Array<{ slug: string; outDir: string }>;
  /** The clients' source files as generated (`web` served at `/`, `mobile` at `/app/`). */
  clients: { web?: ClientFile[]; mobile?: ClientFile[] };
  /** Roles the product's rules name: the tester's token holds all of them, so no screen is refused for a role. */
  roles: string[];
  /** Sample records for the screens' "New" forms (`formSamples`); a screen without one is only opened. */
  forms?: Record<string, FormSample>;
}

/** Why no browser can be run confined in this sandbox, if it cannot. */
export function browserUnavailable(sandbox: Sandbox): string | undefined {
  if (sandbox.browser) return undefined;
  if (sandbox.adapter === 'local-process')
    return 'a browser runs only where the sandbox confines it (namespaces, or a Container Apps session), and this one is local-process';
  if (sandbox.adapter === 'aca-sessions')
    return 'the session image has no browser (SANDBOX_SESSION_BROWSER is not set)';
  return "no Chromium on this host (Debian's chromium package; or set CHROMIUM_PATH)";
}

/** Opens every screen of the product's clients in Chromium, inside the sandbox, against its running services. */
export async function runBrowserChecks(sandbox: Sandbox, input: BrowserCheckInput): Promise<BrowserChecks> {
  const chromium = sandbox.browser;
  if (!chromium) return { ran: false, reason: browserUnavailable(sandbox) ?? 'no browser' };
  if (!input.clients.web) return { ran: false, reason: 'the product has no web client' };
  if (input.services.length === 0) return { ran: false, reason: 'the product has no service to reach' };
  const clients = [
    { name: 'web', path: '/', files: input.clients.web },
    ...(input.clients.mobile ? [{ name: 'mobile', path: '/app/', files: input.clients.mobile }] : []),
  ];
  const files: SandboxFile[] = [
    ...input.services.flatMap(({ slug, outDir }) =>
      driverFiles(outDir).map((f) => ({ ...f, path: `services/${slug}/${f.path}` })),
    ),
    ...clients.flatMap((c) =>
      buildClient(c.files).map((f) => ({ path: `clients/${c.name}/${f.path}`, content: f.content })),
    ),
    ...playwright(),
    { path: '.factory/gateway.js', content: gatewayModule() },
    { path: '.factory/browser.js', content: browserDriverSource },
    {
      path: '.factory/browser.json',
      content: JSON.stringify({
        services: input.services.map((s) => s.slug),
        clients: clients.map(({ name, path }) => ({ name, path })),
        roles: input.roles,
        forms: input.forms ?? {},
        chromium,
        // Each screen, answer or form within this: a few hundred milliseconds alone, many seconds when 20 runs share
        // two cores. A client that cannot reach its services still fails, only later.
        timeoutMs: 30_000,
      }),
    },
  ];
  const result = await sandbox.run({
    files,
    // No Node permission model here: the driver starts the browser, which the sandbox confines with the rest.
    command: [process.execPath, ...nodeHeapLimitArgs(), '.factory/browser.js'],
    // Wall clock stretches when many runs share the machine (20 at once in the concurrency suite, forms now
    // submitted); the CPU the check may use stays bounded.
    timeoutMs: 300_000,
    cpuSeconds: 120,
    maxOutputBytes: 1024 * 1024,
    memoryMiB: 2048,
    maxProcesses: 512,
  });
  const line = result.stdout.split('\n').find((l) => l.startsWith(browserResultMarker));
  if (!line || result.exitCode !== 0)
    throw new Error(
      `the browser checks did not complete (${result.timedOut ? 'timed out' : `exit ${result.exitCode}`}): ${result.stderr.slice(-1500)}`,
    );
  const parsed = JSON.parse(line.slice(browserResultMarker.length)) as {
    screens: ScreenCheck[];
    problems: string[];
  };
  return { ran: true, browser: chromium, ...parsed };
}
