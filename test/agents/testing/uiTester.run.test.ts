import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { architectureToDevelopmentAgents } from '../../../agents/architecture-to-development';
import { uiTester, type BrowserTestReport } from '../../../agents/development-to-testing/uiTester';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import type { AgentDefinition, ArtifactRef, FolderIndex } from '../../../core/agent';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { developmentToTestingGate } from '../../../gates/development-to-testing';
import { hostChromium } from '../../../platform/sandbox/chromium';
import {
  copyInto,
  evaluateGate,
  runAgents,
  testAgentPorts,
  type HarnessRun,
} from '../../support/agentHarness';
import type { GateCriterion } from '../../../core/gate';
import { browserIt } from '../../support/chromium';

const vision = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);
const phases1and2 = [...visionToArchitectureAgents, ...architectureToDevelopmentAgents] as Array<
  AgentDefinition<unknown>
>;

/** ToolShed built by phases 1 and 2, once for the file. */
let built: HarnessRun;
/** Each changed web app is a later attempt of the Frontend Developer (artifacts of an attempt are written once). */
let attempt = 1;

/** Phase 3's UI Test Engineer over ToolShed's build, its web app changed file by file by `change`. */
async function withBrokenWeb(
  runId: string,
  change: (path: string, text: string) => string,
): Promise<HarnessRun> {
  const web = built.refs.find((r) => r.kind === 'frontend-source')!;
  const ctx = createAgentContext({
    store: built.store,
    runId: built.runId,
    tenantId: built.tenantId,
    iteration: 1,
    attempt: ++attempt,
    phase: 'architecture-to-development',
    agent: 'frontendDeveloper',
    inputs: [web],
  });
  const index = await built.json<FolderIndex>('frontend-source');
  const files = (await ctx.readFolder(web)).map((f) => ({
    path: f.path,
    content: change(f.path, f.content.toString()),
  }));
  const broken: ArtifactRef = await ctx.writeFolder({ folder: index.folder, kind: 'frontend-source', files });
  return runAgents([uiTester as AgentDefinition<unknown>], {
    visionText: vision,
    store: built.store,
    runId,
    inputs: await copyInto(built, runId, [
      ...built.refs.slice(1).filter((r) => r.kind !== 'frontend-source'),
      broken,
    ]),
  });
}

const criterion = (criteria: GateCriterion[]) =>
  criteria.find((c) => c.name.startsWith('web app and PWA in a browser'))!;

describe('UI Test Engineer: the clients in a browser inside the sandbox (ToolShed)', () => {
  beforeAll(async () => {
    built = await runAgents(phases1and2, { visionText: vision });
  }, 300_000);

  browserIt('UI test in the sandbox')(
    'opens every screen of the web app and the PWA from the running services, and the gate passes',
    async () => {
      const run = await runAgents([uiTester as AgentDefinition<unknown>], {
        visionText: vision,
        store: built.store,
        runId: 'run-ui',
        inputs: await copyInto(built, 'run-ui', built.refs.slice(1)),
      });
      const report = await run.json<BrowserTestReport>('ui-test');
      expect(report.error).toBeUndefined();
      expect(report.skipped).toBeUndefined();
      expect(report.browser).toBe(hostChromium());
      expect(report.problems).toEqual([]);
      expect(report.screens.map((s) => [s.client, s.screen, s.ok])).toEqual(
        expect.arrayContaining([
          ['web', 'Tools', true],
          ['web', 'Reservations', true],
          ['mobile', 'Tools', true],
        ]),
      );
      expect(report.screens.every((s) => s.ok)).toBe(true);
      // Each "New" form saved a sample record and showed its page (ToolShed's samples break none of its rules).
      const submitted = report.screens.filter((s) => s.submitted);
      expect(submitted.map((s) => [s.client, s.screen])).toEqual(
        expect.arrayContaining([
          ['web', 'Tools'],
          ['web', 'Reservations'],
          ['mobile', 'Tools'],
        ]),
      );
      expect(submitted.every((s) => s.submitted === 'created, its page shown')).toBe(true);
      const passed = criterion(await evaluateGate(developmentToTestingGate, run));
      expect(passed).toMatchObject({ passed: true, findings: [] });
      expect(passed.value).toBe(report.screens.length);
    },
    240_000,
  );

  browserIt('UI test in the sandbox')(
    'fails the gate, naming each screen, when the web app looks for its services where they are not',
    async () => {
      // The web app as a Frontend Developer could get it wrong: every API under a path the gateway does not serve.
      const run = await withBrokenWeb('run-ui-broken', (path, text) =>
        path === 'index.html' ? text.replace(/content="\/api\//g, 'content="/services/') : text,
      );
      const report = await run.json<BrowserTestReport>('ui-test');
      const webScreens = report.screens.filter((s) => s.client === 'web');
      expect(webScreens.length).toBeGreaterThan(0);
      expect(webScreens.every((s) => !s.ok)).toBe(true);
      expect(report.screens.filter((s) => s.client === 'mobile').every((s) => s.ok)).toBe(true);
      const failed = criterion(await evaluateGate(developmentToTestingGate, run));
      expect(failed.passed).toBe(false);
      expect(failed.findings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^web Tools \(#\/[a-z-]+\/tools\): it shows an alert: /),
          expect.stringMatching(/^web: 404 GET \/services\/[a-z-]+\/v1\/tools$/),
        ]),
      );
    },
    240_000,
  );

  browserIt('UI test in the sandbox')(
    'fails the gate when the forms send something else than what people filled in',
    async () => {
      // Every "New" form of the web app sends an empty record, whatever was typed into it.
      const run = await withBrokenWeb('run-ui-empty-forms', (path, text) =>
        path.startsWith('src/views/')
          ? text.replace(/(const created = await \w+\()read\w+Create\(form\)\)/g, '$1{} as never)')
          : text,
      );
      const report = await run.json<BrowserTestReport>('ui-test');
      const withForms = report.screens.filter((s) => s.client === 'web' && s.path.endsWith('/tools'));
      expect(withForms).toEqual([
        expect.objectContaining({
          ok: false,
          detail: expect.stringContaining('found the record the form sent invalid (400)'),
        }),
      ]);
      expect(report.screens.filter((s) => s.client === 'mobile').every((s) => s.ok)).toBe(true);
      const failed = criterion(await evaluateGate(developmentToTestingGate, run));
      expect(failed.passed).toBe(false);
      expect(failed.findings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^web Tools \(#\/[a-z-]+\/tools\): the service found/),
        ]),
      );
    },
    240_000,
  );

  it('says why it did not run where no sandbox can confine a browser', async () => {
    const run = await runAgents([uiTester as AgentDefinition<unknown>], {
      visionText: vision,
      store: built.store,
      runId: 'run-ui-unconfined',
      inputs: await copyInto(built, 'run-ui-unconfined', built.refs.slice(1)),
      // A sandbox that confines with Node's permission model only: it must not be asked to run anything.
      ports: {
        ...testAgentPorts(),
        sandbox: () => ({
          adapter: 'local-process',
          isolation: 'a child process under the Node.js permission model',
          run: () => Promise.reject(new Error('the browser test must not run here')),
        }),
      },
    });
    const report = await run.json<BrowserTestReport>('ui-test');
    expect(report.skipped).toBe(
      'a browser runs only where the sandbox confines it (namespaces, or a Container Apps session), and this one is local-process',
    );
    const criteria = await evaluateGate(developmentToTestingGate, run);
    expect(criterion(criteria)).toMatchObject({
      name: expect.stringContaining('(not run: a browser runs only where the sandbox confines it'),
      passed: true,
    });
  }, 120_000);
});
