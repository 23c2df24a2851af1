import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { architectureToDevelopmentAgents } from '../../../agents/architecture-to-development';
import { deploymentToProductionAgents, rollbackCoordinator } from '../../../agents/deployment-to-production';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import type { AgentDefinition } from '../../../core/agent';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { testAgentPorts } from '../../support/agentHarness';
import { browserIt, chromiumPath, screenshotDir } from '../../support/chromium';
import { releasedProduct, runPhase } from './phaseRunner';

const phase5 = deploymentToProductionAgents.filter((agent) => agent.name !== rollbackCoordinator.name);
const phases1and2 = [...visionToArchitectureAgents, ...architectureToDevelopmentAgents] as Array<
  AgentDefinition<unknown>
>;

/** A product of `visionFile` built, released and deployed by phase 5 on a local target in its own home. */
function deployed(visionFile: string) {
  const home = mkdtempSync(join(tmpdir(), 'factory-web-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  const ports = { ...testAgentPorts(home), deploymentTarget: () => target };
  beforeAll(async () => {
    const { built, released } = await releasedProduct(phases1and2, visionFile, ports);
    await runPhase(built.store, phase5, released, {
      iteration: 1,
      phase: 'deployment-to-production',
      ports,
    });
  }, 300_000);
  afterAll(async () => {
    await target.undeploy('test', 'run-1');
    rmSync(home, { recursive: true, force: true });
  });
  return {
    /** The web app's address, after checking the deployment is live. */
    async web(): Promise<string> {
      const live = await target.current('test', 'run-1');
      expect(live?.status).toBe('live');
      expect(live?.web).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      return live!.web!;
    },
    token: (subject: string, roles: string[] = []) => target.accessToken('test', 'run-1', { subject, roles }),
  };
}

type Page = import('playwright-core').Page;

/**
 * A browser tab per signed-in user, each with what went wrong in it: console errors, page errors, and responses
 * of 400 and above except the refusal the test provokes (`expected`, which Chromium also logs as an error).
 */
async function inBrowser(
  expected: number,
  use: (open: (url: string) => Promise<Page>) => Promise<void>,
): Promise<string[]> {
  if (!chromiumPath) throw new Error('CI is set but no Chromium was found: run .ci/install-chromium.sh');
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
  const problems: string[] = [];
  try {
    await use(async (url) => {
      const tab = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
      tab.on('console', (message) => {
        if (message.type() === 'error' && !message.text().includes(`status of ${expected}`))
          problems.push(message.text());
      });
      tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      tab.on('response', (response) => {
        if (response.status() >= 400 && response.status() !== expected)
          problems.push(`${response.status()} ${response.url()}`);
      });
      await tab.goto(url);
      return tab;
    });
  } finally {
    await browser.close();
  }
  return problems;
}

async function screenshot(tab: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await tab.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}

interface ServiceWorkerPage {
  navigator: { serviceWorker: { controller: unknown } };
}

describe('the deployed web app in a browser (ToolShed, local blue/green)', () => {
  const product = deployed('neighbourhood-tool-library.md');

  browserIt('deployed web app browser test')(
    'lists, creates, opens and runs a command through the one origin, and shows a rule the service enforces',
    async () => {
      const web = await product.web();
      const token = await product.token('alice');
      const problems = await inBrowser(409, async (open) => {
        const member = '00000000-0000-4000-8000-000000000001';
        // Signed in through the fragment, which the app keeps for the tab and removes from the address.
        const tab = await open(`${web}#access_token=${token}`);
        await tab.getByRole('link', { name: 'Tools', exact: true }).click();
        await tab.getByRole('heading', { name: 'Tools' }).waitFor();
        await tab.getByText('Nothing here yet.').waitFor();

        // A tool created through the form, seen on its page and in the list.
        await tab.getByRole('link', { name: 'New tool' }).click();
        await tab.getByLabel('Name *').fill('Hammer drill');
        await tab.getByLabel('Condition').selectOption('good');
        await tab.getByLabel('Replacement value').fill('120');
        await tab.getByLabel('Member id *').fill(member);
        await tab.getByRole('button', { name: 'Create' }).click();
        await tab.getByRole('heading', { name: 'Tool', exact: true }).waitFor();
        await tab.getByText('Hammer drill').waitFor();
        await tab.getByText('120.00').waitFor();
        const toolId = (await tab.locator('dt:text-is("Id") + dd').textContent())!.trim();
        await tab.getByRole('link', { name: 'Back' }).click();
        await tab.getByRole('cell', { name: 'Hammer drill' }).waitFor();

        // A reservation of it, approved and picked up from its page: the tool is now on loan.
        const reserve = async (name: string) => {
          await tab.goto(`${web}#/tools/reservations/new`);
          await tab.getByLabel('Name *').fill(name);
          await tab.getByLabel('Pickup date').fill('2026-11-01');
          await tab.getByLabel('Due date').fill('2026-11-20');
          await tab.getByLabel('Member id *').fill(member);
          await tab.getByLabel('Tool id *').fill(toolId);
          await tab.getByRole('button', { name: 'Create' }).click();
        };
        await reserve('First loan');
        await tab.getByRole('heading', { name: 'Reservation', exact: true }).waitFor();
        await tab.getByRole('button', { name: 'Approve' }).click();
        await tab.locator('.badge', { hasText: 'approved' }).waitFor();
        await tab.getByRole('button', { name: 'Pick up' }).click();
        await tab.locator('.badge', { hasText: 'picked_up' }).waitFor();

        // A second reservation is refused by the service, and the page says why next to the form.
        await reserve('Second loan');
        const alert = tab.getByRole('alert');
        await alert.waitFor();
        expect(await alert.textContent()).toContain('A tool cannot be reserved while it is on loan.');
        expect(await alert.textContent()).toMatch(/^Conflict: /);

        await screenshot(tab, 'toolshed-web-app');
      });
      expect(problems).toEqual([]);
    },
    120_000,
  );

  browserIt('deployed web app browser test')(
    'keeps the screen the person moved on to when an earlier, slower screen finishes loading',
    async () => {
      const web = await product.web();
      const token = await product.token('alice');
      const problems = await inBrowser(0, async (open) => {
        const tab = await open(`${web}#access_token=${token}`);
        let answerList: () => void = () => undefined;
        const listAnswered = new Promise<void>((resolve) => (answerList = resolve));
        await tab.route(/\/v1\/tools(\?|$)/, async (route) => {
          await listAnswered;
          await route.continue();
        });
        // The person moves on only once the list has been asked for: two hash changes within one task would
        // both be handled at the later address, and the list would never load.
        const listAsked = tab.waitForRequest(/\/v1\/tools(\?|$)/);
        await tab.getByRole('link', { name: 'Tools', exact: true }).click();
        await listAsked;
        await tab.evaluate(() => {
          (globalThis as unknown as { location: { hash: string } }).location.hash = '#/tools/tools/new';
        });
        await tab.getByLabel('Name *').waitFor();
        answerList();
        await tab.waitForResponse(/\/v1\/tools(\?|$)/);
        // The list's answer is drawn a moment after it arrives; give it that moment.
        await tab.waitForTimeout(500);
        expect(await tab.getByLabel('Name *').isVisible()).toBe(true);
        expect(await tab.getByRole('heading', { name: 'Tools' }).count()).toBe(0);
      });
      expect(problems).toEqual([]);
    },
    120_000,
  );

  browserIt('deployed web app browser test')(
    'installs the PWA at /app/, whose service worker lets the user read offline what they loaded',
    async () => {
      const web = await product.web();
      const token = await product.token('alice');
      const problems = await inBrowser(0, async (open) => {
        const tab = await open(`${web}app/#access_token=${token}`);
        // The page's own navigator (this file is not compiled with the DOM library).
        await tab.waitForFunction(
          () => (globalThis as unknown as ServiceWorkerPage).navigator.serviceWorker.controller !== null,
        );
        await tab.getByRole('link', { name: 'Tools', exact: true }).click();
        await tab.getByText('Hammer drill').waitFor();
        await tab.context().setOffline(true);
        await tab.reload();
        await tab.getByRole('link', { name: 'Tools', exact: true }).waitFor();
        await tab.getByText('Hammer drill').waitFor();
        await screenshot(tab, 'toolshed-pwa-offline');
      });
      expect(problems).toEqual([]);
    },
    120_000,
  );
});

describe("the deployed web app in a browser: rules about one's own records (expense desk)", () => {
  const product = deployed('rules/expense-desk.md');

  browserIt('deployed web app browser test')(
    'creates a report, submits it from its page, and shows why its author cannot approve it',
    async () => {
      const web = await product.web();
      const token = await product.token('emma');
      const problems = await inBrowser(403, async (open) => {
        const tab = await open(`${web}#access_token=${token}`);
        await tab.getByRole('link', { name: 'Expense reports', exact: true }).click();
        await tab.getByText('Nothing here yet.').waitFor();
        await tab.getByRole('link', { name: 'New expense report' }).click();
        await tab.getByLabel('Title *').fill('Train to Lyon');
        await tab.getByLabel('Amount').fill('84.5');
        await tab.getByRole('button', { name: 'Create' }).click();
        await tab.getByText('84.50').waitFor();
        await tab.getByRole('button', { name: 'Submit' }).click();
        await tab.locator('.badge', { hasText: 'submitted' }).waitFor();
        await tab.getByRole('button', { name: 'Approve' }).click();
        const alert = tab.getByRole('alert');
        await alert.waitFor();
        expect(await alert.textContent()).toContain('Managers cannot approve their own expense reports.');
        expect(await alert.textContent()).toMatch(/^Forbidden: /);
        await tab.getByRole('link', { name: 'Back' }).click();
        await tab.getByRole('cell', { name: 'Train to Lyon' }).waitFor();
        await screenshot(tab, 'expense-desk-web-app');
      });
      expect(problems).toEqual([]);
    },
    120_000,
  );
});

describe('the deployed web app in a browser: rules about roles (volunteer shifts)', () => {
  const product = deployed('rules/volunteer-shifts.md');

  browserIt('deployed web app browser test')(
    'lets a coordinator create and publish a shift, and tells a volunteer why they cannot create one',
    async () => {
      const web = await product.web();
      const coordinator = await product.token('cora', ['Coordinator']);
      const volunteer = await product.token('vic');
      const problems = await inBrowser(403, async (open) => {
        const tab = await open(`${web}#access_token=${coordinator}`);
        await tab.getByRole('link', { name: 'Shifts', exact: true }).click();
        await tab.getByRole('link', { name: 'New shift' }).click();
        await tab.getByLabel(/^Title/).fill('Sorting donations');
        await tab.getByLabel(/^Starts at/).fill('2027-01-04T09:00');
        await tab.getByLabel(/^Ends at/).fill('2027-01-04T12:00');
        await tab.getByRole('button', { name: 'Create' }).click();
        await tab.getByText('Sorting donations').waitFor();
        await tab.getByRole('button', { name: 'Publish' }).click();
        await tab.locator('.badge', { hasText: 'published' }).waitFor();

        const other = await open(`${web}#access_token=${volunteer}`);
        await other.getByRole('link', { name: 'Shifts', exact: true }).click();
        await other.getByRole('cell', { name: 'Sorting donations' }).waitFor();
        await other.getByRole('link', { name: 'New shift' }).click();
        await other.getByLabel(/^Title/).fill('Night shift');
        await other.getByLabel(/^Starts at/).fill('2027-01-05T20:00');
        await other.getByLabel(/^Ends at/).fill('2027-01-05T23:00');
        await other.getByRole('button', { name: 'Create' }).click();
        const alert = other.getByRole('alert');
        await alert.waitFor();
        expect(await alert.textContent()).toContain('Only coordinators can create shifts.');
        await screenshot(other, 'volunteer-shifts-web-app');
      });
      expect(problems).toEqual([]);
    },
    120_000,
  );
});
