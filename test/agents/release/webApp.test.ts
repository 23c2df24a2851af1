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

describe('the deployed web app in a browser (ToolShed, local blue/green)', () => {
  const home = mkdtempSync(join(tmpdir(), 'factory-web-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  const ports = { ...testAgentPorts(home), deploymentTarget: () => target };

  beforeAll(async () => {
    const { built, released } = await releasedProduct(phases1and2, 'neighbourhood-tool-library.md', ports);
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

  browserIt('deployed web app browser test')(
    'lists, creates, opens and runs a command through the one origin, and shows a rule the service enforces',
    async () => {
      if (!chromiumPath) throw new Error('CI is set but no Chromium was found: run .ci/install-chromium.sh');
      const live = await target.current('test', 'run-1');
      expect(live?.status).toBe('live');
      const web = live!.web!;
      expect(web).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const token = await target.accessToken('test', 'run-1', { subject: 'alice', roles: [] });
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      try {
        const tab = await (await browser.newContext({ viewport: { width: 1100, height: 900 } })).newPage();
        const problems: string[] = [];
        tab.on('console', (message) => {
          // The refused reservation below is a 409 the app expects; Chromium logs every failed request.
          if (message.type() === 'error' && !/status of 409/.test(message.text()))
            problems.push(message.text());
        });
        tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
        tab.on('response', (response) => {
          if (response.status() >= 400 && response.status() !== 409)
            problems.push(`${response.status()} ${response.url()}`);
        });
        const member = '00000000-0000-4000-8000-000000000001';

        // Signed in through the fragment, which the app keeps for the tab and removes from the address.
        await tab.goto(`${web}#access_token=${token}`);
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

        mkdirSync(screenshotDir, { recursive: true });
        await tab.screenshot({ path: join(screenshotDir, 'toolshed-web-app.png'), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await browser.close();
      }
    },
    120_000,
  );
});
