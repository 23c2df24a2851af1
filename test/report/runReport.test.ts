import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeRunReport } from '../../functions/activities/writeRunReport';
import {
  composeFromSettings,
  composition,
  useComposition,
  type Composition,
} from '../../functions/compositionRoot';
import { EmbeddedFactory } from '../../local/embeddedFactory';
import { phases } from '../../core/phases';
import { createPorts, type Ports } from '../../platform/config';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { sandboxIsolation } from '../../platform/sandbox';
import { buildRunReport, reportResponse, writeReportFile } from '../../runs/report';
import { startRun } from '../../runs/startRun';
import { browserIt, chromiumPath, screenshotDir } from '../support/chromium';

const vision = `# PlotShare

Our community garden has 48 raised beds and a waiting list kept in a notebook. PlotShare helps the garden
committee allocate plots fairly. Gardeners apply for a plot each season. Each plot has a number, a size in
square metres and an annual fee. Coordinators review applications and offer plots to applicants in the order
they applied. Gardeners accept or decline an offer within 7 days.

A gardener may hold at most one plot per season.

We want every plot allocated within 2 weeks of the season opening.
`;

const outputDir = screenshotDir;

describe('the HTML run report of a real run', () => {
  let home: string;
  let ports: Ports;
  let chosen: Composition;
  let factory: EmbeddedFactory;
  let runId: string;
  let page: string;
  let file: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'factory-report-'));
    ports = createPorts({}, home);
    chosen = composeFromSettings(process.env, home, { ports });
    factory = await EmbeddedFactory.start({ composition: chosen });
    const { doc } = await startRun(ports, factory.client(), {
      tenantId: 'acme',
      vision,
      options: { approvals: [], iterations: 1, model: 'blueprint', maxReworks: 1 },
    });
    runId = doc.id;
    // waitForCompletion answers with the status it has when the time is up: a report of an unfinished run would
    // fail below for the wrong reason.
    const ended = await factory.host.waitForCompletion(runInstanceId('acme', runId), 420_000);
    expect(ended?.runtimeStatus).toBe('Completed');
    page = await buildRunReport(ports, 'acme', runId, {
      trace: factory.runTrace('acme', runId),
      runtime: factory.runStatus('acme', runId),
    });
    file = await writeReportFile(home, 'acme', runId, page);
  }, 480_000);

  afterAll(async () => {
    await factory?.stop();
    await ports?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('shows the phase flow, the gates with their criteria, the events and a link to every artifact', async () => {
    const doc = (await ports.runs.get('acme', runId))!;
    for (const phase of phases) expect(page).toContain(phase.title);
    for (const gate of doc.gates)
      for (const criterion of gate.criteria)
        expect(page).toContain(
          criterion.name
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/>/g, '&gt;')
            .replace(/"/g, '&quot;')
            .replace(/'/g, '&#39;'),
        );
    const events = await ports.runs.listEvents('acme', runId);
    expect(events.length).toBeGreaterThan(5);
    expect((page.match(/<td class="nowrap">/g) ?? []).length).toBe(events.length);
    const listed = (await ports.artifacts.list('acme', runId)).filter(
      (a) => !a.kind.endsWith('-file') && a.kind !== 'run-report',
    );
    for (const artifact of listed)
      expect(page).toContain(`id="artifact-${artifact.path.replace(/[^A-Za-z0-9_-]/g, '-')}"`);
    expect(page).toContain('<svg');
    expect(page).toContain('class="operations"');
    // Agents from the durable trace are on the timeline.
    expect(page).toContain('Vision Architect');
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/);
    expect(readFileSync(file, 'utf8')).toBe(page);
    expect(file).toBe(join(home, 'reports', 'acme', `${runId}.html`));
  });

  it("shows the vision's rules with how many are enforced, and why one is not", () => {
    const section = page.slice(page.indexOf('<section id="rules">'));
    expect(section).toMatch(/<strong>0 of 1<\/strong> rules the vision states are enforced/);
    expect(section).toContain('A gardener may hold at most one plot per season.');
    expect(section).toContain(
      'not enforced: <span class="muted">a season has no calendar definition in the vision',
    );
  });

  it('is stored once, by the workflow, with the agents from the host trace on its timeline', async () => {
    const reports = (await ports.artifacts.list('acme', runId)).filter((a) => a.kind === 'run-report');
    expect(reports).toHaveLength(1);
    const stored = (await ports.artifacts.get('acme', runId, reports[0].path)).toString('utf8');
    expect(stored).toContain('<!doctype html>');
    expect(stored).toContain('Each agent and gate execution from the durable trace');
    expect(stored).toContain('class="gantt-row agent"');
    // The run says how its generated code was confined.
    expect(stored).toContain(`Generated code: ${sandboxIsolation(chosen.agents.sandbox)}`);
  });

  it('warns, as an alert, when generated code ran without isolation', async () => {
    const weak = await buildRunReport(ports, 'acme', runId, {
      isolation: 'NOT ISOLATED: as the factory user',
    });
    expect(weak).toMatch(
      /<p\s+class="isolation warning"\s+role="alert"\s*>\s*Generated code: NOT ISOLATED: as the factory user/,
    );
    const confined = await buildRunReport(ports, 'acme', runId, { isolation: 'isolated: own user' });
    expect(confined).toMatch(/<p\s+class="isolation muted small"\s+role="note"\s*>/);
  });

  it('is written by the writeRunReport activity, the same page again when it re-runs', async () => {
    const ref = await writeRunReport({ runId, tenantId: 'acme', at: '2026-11-25T12:00:00.000Z' });
    expect(ref.kind).toBe('run-report');
    const again = await writeRunReport({ runId, tenantId: 'acme', at: '2026-11-25T12:00:00.000Z' });
    expect(again).toEqual(ref);
    await expect(writeRunReport({ runId, tenantId: '' })).rejects.toThrow(
      /tenantId must be a non-empty string; at must be an ISO date-time/,
    );
  });

  it('shows phases and approvals where the host keeps no activity trace (the Functions host)', async () => {
    const embedded = composition();
    useComposition({ ...embedded, activityTrace: undefined });
    try {
      const ref = await writeRunReport({ runId, tenantId: 'acme', at: '2026-11-25T13:00:00.000Z' });
      const stored = (await ports.artifacts.get('acme', runId, ref.path)).toString('utf8');
      expect(stored).toContain('Phases and approvals from the run document');
      expect(stored).not.toContain('class="gantt-row agent"');
    } finally {
      useComposition(embedded);
    }
  });

  it('is served with the runs list by factory serve', async () => {
    const source = { ports, tenantId: 'acme', host: factory };
    const list = await reportResponse('GET', '/reports/', source);
    expect(list).toMatchObject({ status: 200, contentType: 'text/html; charset=utf-8' });
    expect(list!.body).toContain(`href="${runId}.html"`);
    const one = await reportResponse('GET', `/reports/${runId}.html`, source);
    expect(one!.status).toBe(200);
    expect(one!.body).toContain(runId);
    expect((await reportResponse('GET', '/reports/nope.html', source))!.status).toBe(404);
    expect((await reportResponse('GET', '/reports/../etc/passwd', source))!.status).toBe(404);
    expect((await reportResponse('POST', '/reports/', source))!.status).toBe(405);
    expect(await reportResponse('GET', '/api/runs', source)).toBeUndefined();
  });

  const browserTest = browserIt('run report browser check');

  browserTest(
    'opens in headless Chromium offline, without console errors, and is saved as a screenshot',
    async () => {
      if (!chromiumPath) throw new Error('CI is set but no Chromium was found: run .ci/install-chromium.sh');
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      try {
        const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
        const tab = await context.newPage();
        const problems: string[] = [];
        const requests: string[] = [];
        tab.on('console', (message) => {
          if (message.type() === 'error' || message.type() === 'warning')
            problems.push(`${message.type()}: ${message.text()}`);
        });
        tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        tab.on('request', (request) => requests.push(request.url()));
        await tab.goto(pathToFileURL(file).href);
        await tab.waitForLoadState('load');

        expect(await tab.title()).toContain(runId);
        expect(await tab.locator('.flow .phase').count()).toBe(phases.length);
        expect(await tab.locator('.gantt-bar.agent').count()).toBeGreaterThan(5);
        // The script works: filtering hides artifacts, expanding opens the visible ones.
        const all = await tab.locator('details.artifact').count();
        await tab.fill('#artifact-filter', 'openapi');
        const visible = await tab.locator('details.artifact:visible').count();
        expect(visible).toBeGreaterThan(0);
        expect(visible).toBeLessThan(all);
        await tab.click('#expand-all');
        expect(await tab.locator('details.artifact[open]').count()).toBe(visible);
        expect(await tab.locator('details.artifact[open] table.operations').count()).toBeGreaterThan(0);
        await tab.fill('#artifact-filter', '');
        await tab.click('#collapse-all');
        await tab.evaluate('window.scrollTo(0, 0)');

        mkdirSync(outputDir, { recursive: true });
        await tab.screenshot({ path: join(outputDir, 'run-report.png') });
        await tab.screenshot({ path: join(outputDir, 'run-report-full.png'), fullPage: true });
        const diagram = tab.locator('details.artifact', { has: tab.locator('svg.flowchart') }).first();
        await diagram.evaluate((element) => element.setAttribute('open', ''));
        await diagram.screenshot({ path: join(outputDir, 'run-report-diagram.png') });

        expect(problems).toEqual([]);
        expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual([]);
        expect(existsSync(join(outputDir, 'run-report.png'))).toBe(true);
      } finally {
        await browser.close();
      }
    },
  );
});
