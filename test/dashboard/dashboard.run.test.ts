// The dashboard in Debian's Chromium (playwright-core) against `factory serve` on the embedded host: a person signs
// in, starts a run, watches it reach the approval live, approves it and sees it complete.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { browserIt, chromiumPath, screenshotDir } from '../support/chromium';
import { eventually, send, sendJson, shortVision, startApi, tokens, type Api } from '../http/support';

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let api: Api;
let browser: Browser;

beforeAll(async () => {
  api = await startApi();
  if (!chromiumPath) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  mkdirSync(screenshotDir, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

/**
 * A signed-in tab, and what went wrong in it: console errors, page errors and answers of 400 and above, except the
 * 401 of the first look before signing in (Chromium logs that answer as a console error too).
 */
async function signedIn(
  token: string,
  options: { width?: number; bypassCSP?: boolean } = {},
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1200, height: 900 },
    bypassCSP: options.bypassCSP ?? false,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  let signedInYet = false;
  page.on('console', (message) => {
    if (message.type() === 'error' && (signedInYet || !message.text().includes('status of 401')))
      problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('response', (response) => {
    if (response.status() >= 400 && (signedInYet || response.status() !== 401))
      problems.push(`${response.status()} ${response.url()}`);
  });
  await page.goto(api.url);
  await page.getByLabel('API token').fill(token);
  signedInYet = true;
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Runs' }).waitFor();
  return { context, page, problems };
}

async function startWaitingRun(name: string): Promise<string> {
  const started = await sendJson(api.url, 'POST', '/api/runs', tokens.a, {
    vision: shortVision,
    name,
    options: { approvals: ['architecture'] },
  });
  const runId = started.json.runId as string;
  await eventually(
    `${name} to wait for approval`,
    async () => {
      const reply = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
      return reply.json.status === 'WaitingForApproval' ? true : undefined;
    },
    180_000,
    500,
  );
  return runId;
}

describe('the dashboard', () => {
  browserIt('the dashboard')(
    'starts a run, shows it waiting for approval live, approves it in one click and shows it complete',
    async () => {
      const { context, page, problems } = await signedIn(tokens.a);
      await page.getByRole('link', { name: 'Start a run' }).click();
      await page.getByLabel('Vision').fill(shortVision);
      await page.getByLabel('Name (optional)').fill('dashboard run');
      await page.getByLabel('architecture').check();
      await page.getByRole('button', { name: 'Start the run' }).click();

      await page
        .getByRole('heading', { name: 'Waiting for approval: architecture' })
        .waitFor({ timeout: 180_000 });
      const runId = decodeURIComponent(new URL(page.url()).hash.replace('#/runs/', ''));
      expect(await page.locator('section[aria-labelledby="run-title"] .badge').textContent()).toBe(
        'WaitingForApproval',
      );
      expect(await page.locator('li[data-phase="vision-to-architecture"] .badge').textContent()).toBe(
        'Completed',
      );
      expect(await page.locator('#events li').count()).toBeGreaterThan(3);
      await page.screenshot({ path: join(screenshotDir, 'dashboard-waiting.png'), fullPage: true });

      await page.getByLabel('Reason').fill('looks right');
      await page.getByRole('button', { name: 'Approve' }).click();
      await page
        .locator('section[aria-labelledby="run-title"] .badge.status-Completed')
        .waitFor({ timeout: 300_000 });
      expect(await page.locator('ol.phases li.status-Completed').count()).toBe(6);
      expect(await page.locator('details.gate.passed').count()).toBeGreaterThanOrEqual(6);
      await page.screenshot({ path: join(screenshotDir, 'dashboard-completed.png'), fullPage: true });

      const stored = await send(api.url, 'GET', `/api/runs/${runId}`, { token: tokens.a });
      expect(stored.json).toMatchObject({
        name: 'dashboard run',
        status: 'Completed',
        approvals: [{ gate: 'architecture', decision: 'approve', reason: 'looks right' }],
      });

      await page.getByRole('link', { name: 'Runs' }).first().click();
      await page.getByRole('link', { name: runId }).waitFor();
      await page.getByLabel('Status').selectOption('Failed');
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('No run is Failed.').waitFor();
      await context.close();
      expect(problems).toEqual([]);
    },
    420_000,
  );

  browserIt('the dashboard')(
    'shows a reader no approve button (the API refuses them too) and another tenant nothing of the run',
    async () => {
      const runId = await startWaitingRun('waiting run');
      const reader = await signedIn(tokens.aRead, { width: 390 });
      await reader.page.goto(`${api.url}/api/dashboard/#/runs/${runId}`);
      await reader.page.getByRole('heading', { name: 'Waiting for approval: architecture' }).waitFor();
      await reader.page.getByText('A person with the Gates.Approve role decides here.').waitFor();
      expect(await reader.page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await reader.page.getByRole('button', { name: 'Cancel the run' }).count()).toBe(0);
      await reader.page.screenshot({
        path: join(screenshotDir, 'dashboard-reader-phone.png'),
        fullPage: true,
      });
      const refused = await sendJson(
        api.url,
        'POST',
        `/api/runs/${runId}/approvals/architecture`,
        tokens.aRead,
        {
          decision: 'approve',
        },
      );
      expect(refused.status).toBe(403);
      await reader.context.close();
      expect(reader.problems).toEqual([]);

      const other = await signedIn(tokens.b);
      expect(await other.page.getByRole('link', { name: runId }).count()).toBe(0);
      await other.page.goto(`${api.url}/api/dashboard/#/runs/${runId}`);
      await other.page.getByRole('alert').filter({ hasText: 'not found' }).waitFor();
      expect(await other.page.getByRole('heading', { name: /Waiting for approval/ }).count()).toBe(0);
      await other.context.close();
    },
    300_000,
  );

  browserIt('the dashboard')(
    'has no serious or critical accessibility violations (axe-core)',
    async () => {
      // bypassCSP lets the test add axe's script to the page; the dashboard's own pages run under the policy above.
      const { context, page } = await signedIn(tokens.a, { bypassCSP: true });
      const violations: string[] = [];
      for (const hash of ['#/runs', '#/start', `#/runs/${await startWaitingRun('audited run')}`]) {
        await page.goto(`${api.url}/api/dashboard/${hash}`);
        await page.locator('main h1').first().waitFor();
        await page.addScriptTag({ content: axeSource });
        const found = await page.evaluate(async () => {
          const result = await (
            globalThis as unknown as {
              axe: {
                run(): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }>;
              };
            }
          ).axe.run();
          return result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
        });
        for (const v of found.filter((f) => f.impact === 'serious' || f.impact === 'critical'))
          violations.push(`${hash}: ${v.id} (${v.impact}, ${v.nodes} elements)`);
      }
      await context.close();
      expect(violations).toEqual([]);
    },
    300_000,
  );
});
