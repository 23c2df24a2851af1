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
import { createTelemetry, flushTelemetry, telemetry, useTelemetry } from '../../platform/telemetry';
import { buildRunReport, reportResponse, writeReportFile } from '../../runs/report';
import { startRun } from '../../runs/startRun';
import { metricNames } from '../../telemetry';
import { browserIt, chromiumPath, screenshotDir } from '../support/chromium';
import { startIngestionServer, type Envelope, type IngestionServer } from '../telemetry/ingestionServer';

/**
 * One whole run as the people who watch it see it: its telemetry in Application Insights and its HTML report. Both
 * read the same finished run (a whole run is the costly part of either).
 */
const vision = `# PlotShare

Our community garden has 48 raised beds and a waiting list kept in a notebook. PlotShare helps the garden
committee allocate plots fairly. Gardeners apply for a plot each season. Each plot has a number, a size in
square metres and an annual fee. Coordinators review applications and offer plots to applicants in the order
they applied. Gardeners accept or decline an offer within 7 days.

A gardener may hold at most one plot per season.

We want every plot allocated within 2 weeks of the season opening.
`;

const outputDir = screenshotDir;

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const callerSpan = '00f067aa0ba902b7';
const iKey = '11111111-2222-4333-8444-555555555555';

const dims = (e: Envelope) => (e.data.baseData.properties ?? {}) as Record<string, string>;
const byType = (envelopes: Envelope[], baseType: string) =>
  envelopes.filter((e) => e.data.baseType === baseType);
const named = (envelopes: Envelope[], prefix: string) =>
  envelopes.filter((e) => String(e.data.baseData.name).startsWith(prefix));

let home: string;
let ingestion: IngestionServer;
let ports: Ports;
let chosen: Composition;
let factory: EmbeddedFactory;
let runId: string;
let outcome: string | undefined;
let runStatus: string | undefined;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'factory-observed-'));
  ingestion = await startIngestionServer();
  // The exporters' own intervals: items go out in batches while the run goes on, the rest at the flush.
  useTelemetry(
    createTelemetry(
      {
        APPLICATIONINSIGHTS_CONNECTION_STRING: `${ingestion.connectionString(iKey)};LiveEndpoint=https://x/`,
      },
      ingestion.options,
    ),
  );
  ports = createPorts({}, home);
  chosen = composeFromSettings(process.env, home, { ports });
  factory = await EmbeddedFactory.start({ composition: chosen });
  const { doc } = await startRun(ports, factory.client(), {
    tenantId: 'acme',
    vision,
    options: { approvals: [], iterations: 1, model: 'blueprint', maxReworks: 1 },
    traceparent: `00-${traceId}-${callerSpan}-01`,
  });
  runId = doc.id;
  // waitForCompletion answers with the status it has when the time is up: the tests check it first.
  outcome = (await factory.host.waitForCompletion(runInstanceId('acme', runId), 420_000))?.runtimeStatus;
  runStatus = (await ports.runs.get('acme', runId))?.status;
  await flushTelemetry();
}, 480_000);

afterAll(async () => {
  await factory?.stop();
  await ports?.close();
  await telemetry().shutdown();
  useTelemetry(undefined);
  await ingestion?.close();
  rmSync(home, { recursive: true, force: true });
});

// Telemetry first: the report's tests run activities again, which send telemetry of their own.
describe('telemetry of a factory run, end to end', () => {
  // The run's own outcome depends on every phase's agents and gates; telemetry must describe either ending.
  const ending = () => (runStatus === 'Completed' ? 'RunCompleted' : 'RunFailed');

  it('ends the run and sends its telemetry to the ingestion endpoint', () => {
    expect(outcome).toBe('Completed');
    expect(['Completed', 'Failed', 'Rejected']).toContain(runStatus);
    expect(ingestion.requests.length).toBeGreaterThan(0);
    expect(ingestion.requests.every((r) => r.path === '/v2.1/track')).toBe(true);
    expect(
      ingestion.envelopes.every((e) => e.iKey === iKey && e.tags['ai.cloud.role'] === 'software-factory'),
    ).toBe(true);
  });

  it('puts every item of the run into one operation: the starter trace id', () => {
    // Metrics are aggregates, not items of an operation: they carry the run in their dimensions only.
    const ofRun = ingestion.envelopes.filter(
      (e) => dims(e).runId === runId && e.data.baseType !== 'MetricData',
    );
    expect(ofRun.length).toBeGreaterThan(20);
    expect(new Set(ofRun.map((e) => e.tags['ai.operation.id']))).toEqual(new Set([traceId]));
  });

  it('records the run as a request under the caller span, phases under the run, agents and gates under their phase', () => {
    const requests = byType(ingestion.envelopes, 'RequestData');
    expect(requests).toHaveLength(1);
    const run = requests[0];
    expect(run.data.baseData).toMatchObject({ name: 'factory run', success: runStatus === 'Completed' });
    expect(run.tags['ai.operation.parentId']).toBe(callerSpan);
    expect(dims(run)).toMatchObject({ runId, tenantId: 'acme' });

    const dependencies = byType(ingestion.envelopes, 'RemoteDependencyData');
    const phaseSpans = named(dependencies, 'phase ');
    expect(phaseSpans.map((p) => dims(p).phase)).toEqual(expect.arrayContaining(['vision-to-architecture']));
    for (const phase of phaseSpans) expect(phase.tags['ai.operation.parentId']).toBe(run.data.baseData.id);
    const phaseIds = new Set(phaseSpans.map((p) => p.data.baseData.id));

    const agents = named(dependencies, 'agent ');
    expect(agents.length).toBeGreaterThan(3);
    for (const agent of agents) {
      expect(phaseIds.has(agent.tags['ai.operation.parentId'])).toBe(true);
      expect(dims(agent)).toMatchObject({ runId, tenantId: 'acme' });
      expect(dims(agent).agent).toBeTruthy();
      expect(dims(agent).phase).toBeTruthy();
    }
    const gates = named(dependencies, 'quality gate ');
    expect(gates.length).toBe(phaseSpans.length);
    for (const gate of gates) expect(phaseIds.has(gate.tags['ai.operation.parentId'])).toBe(true);

    const publishes = named(dependencies, 'publish factory.');
    expect(publishes.map((p) => p.data.baseData.name)).toEqual(
      expect.arrayContaining([
        'publish factory.RunStarted',
        'publish factory.PhaseCompleted',
        `publish factory.${ending()}`,
      ]),
    );
  });

  it('sends the custom events the workbook and alerts read, with their dimensions', () => {
    const events = byType(ingestion.envelopes, 'EventData');
    const names = events.map((e) => e.data.baseData.name);
    expect(names).toEqual(
      expect.arrayContaining(['RunStarted', 'PhaseStarted', 'PhaseCompleted', 'QualityGatePassed', ending()]),
    );
    expect(names.filter((n) => n === 'RunCompleted' || n === 'RunFailed')).toEqual([ending()]);
    const end = events.find((e) => e.data.baseData.name === ending())!;
    expect(dims(end)).toMatchObject({ runId, tenantId: 'acme' });
    const gate = events.find((e) => e.data.baseData.name === 'QualityGatePassed')!;
    expect(dims(gate)).toMatchObject({
      runId,
      tenantId: 'acme',
      phase: expect.any(String),
      gate: expect.any(String),
    });
  });

  it('sends the metrics: agent duration, tokens per agent, phase duration, gate pass rate and the run totals', () => {
    // Each metric data point aggregates the measurements with the same dimensions in one export interval.
    const metrics = byType(ingestion.envelopes, 'MetricData').map((e) => ({
      ...(e.data.baseData.metrics as Array<{ name: string; value: number; count: number }>)[0],
      dims: dims(e),
    }));
    const points = (name: string) => metrics.filter((m) => m.name === name && m.dims.runId === runId);
    const count = (name: string) => points(name).reduce((sum, m) => sum + m.count, 0);
    expect(count(metricNames.agentDuration)).toBeGreaterThan(3);
    expect(
      points(metricNames.tokensUsed).every((m) => m.dims.agent && m.dims.phase && m.dims.tenantId === 'acme'),
    ).toBe(true);
    expect(count(metricNames.tokensUsed)).toBe(count(metricNames.agentDuration));
    expect(count(metricNames.phaseDuration)).toBeGreaterThan(0);
    expect(points(metricNames.gatePassRate).every((m) => m.value >= 0 && m.value <= m.count)).toBe(true);
    expect(points(metricNames.iterationsPerRun)).toEqual([expect.objectContaining({ value: 1, count: 1 })]);
    expect(points(metricNames.runAgentCalls)[0].value).toBe(count(metricNames.agentDuration));
  });

  it('gives each published CloudEvent the traceparent of its publishing span', async () => {
    const events = await ports.runs.listEvents('acme', runId);
    const spans = new Set(byType(ingestion.envelopes, 'RemoteDependencyData').map((d) => d.data.baseData.id));
    for (const event of events) {
      const [, trace, span] = event.traceparent!.split('-');
      expect(trace).toBe(traceId);
      expect(spans.has(span)).toBe(true);
    }
  });
});

describe('the HTML run report of a real run', () => {
  let page: string;
  let file: string;

  beforeAll(async () => {
    // A report of an unfinished run would fail below for the wrong reason.
    expect(outcome).toBe('Completed');
    page = await buildRunReport(ports, 'acme', runId, {
      trace: factory.runTrace('acme', runId),
      runtime: factory.runStatus('acme', runId),
    });
    file = await writeReportFile(home, 'acme', runId, page);
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
