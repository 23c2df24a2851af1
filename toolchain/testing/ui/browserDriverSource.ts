/** Each line of the driver's result starts with this, so nothing the product prints can pass for it. */
export const browserResultMarker = '@@factory-browser-result@@ ';

/**
 * Runs inside the sandbox: starts every compiled service of the product in this process on loopback ports (as
 * the conformance driver starts one), the product's gateway (the kit's handler) serving the built clients with
 * each API under `/api/<service>/`, then Chromium through playwright-core. For each client (the web app at `/`, the
 * PWA at `/app/`) it signs in through the URL fragment with a token holding every role the rules name, opens
 * every screen of the navigation and its "New" form, and reports what each showed, and every console error, page
 * error, failed request and response of 400 or more. A client that cannot reach its services shows an alert
 * instead of its list, which is what the Testing gate looks for.
 */
export const browserDriverSource = `'use strict';
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const config = JSON.parse(fs.readFileSync('.factory/browser.json', 'utf8'));
const marker = ${JSON.stringify(browserResultMarker)};
const firstLine = (text) => String(text || '').split('\\n')[0].slice(0, 300);

async function screenOf(page, heading, timeout) {
  const shown = page.getByRole('heading', { name: heading, exact: true }).waitFor({ timeout }).then(() => undefined);
  const refused = page.getByRole('alert').first().waitFor({ timeout })
    .then(async () => 'it shows an alert: ' + firstLine(await page.getByRole('alert').first().textContent()));
  return Promise.any([shown, refused]).catch(() => 'nothing was shown within ' + timeout + ' ms');
}

async function checkClient(browser, origin, client, token) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push('console error: ' + firstLine(m.text())); });
  page.on('pageerror', (e) => problems.push('page error: ' + firstLine(e.message)));
  page.on('response', (r) => { if (r.status() >= 400) problems.push(r.status() + ' ' + r.request().method() + ' ' + new URL(r.url()).pathname); });
  page.on('requestfailed', (r) => problems.push('no answer: ' + r.method() + ' ' + new URL(r.url()).pathname + ' (' + (r.failure() ? r.failure().errorText : '') + ')'));
  const screens = [];
  await page.goto(origin + client.path + '#access_token=' + token);
  const links = await page.locator('a.nav-link').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: (a.textContent || '').trim() })));
  if (links.length === 0) problems.push('the page shows no navigation');
  for (const link of links) {
    const before = problems.length;
    await page.locator('a.nav-link[href="' + link.href + '"]').click();
    const listed = await screenOf(page, link.text, config.timeoutMs);
    let form;
    const create = page.locator('.view-header a.button.primary');
    if (!listed && (await create.count()) > 0) {
      await create.first().click();
      form = await page.getByRole('button', { name: 'Create' }).waitFor({ timeout: config.timeoutMs })
        .then(() => undefined, () => 'its form did not appear');
    }
    const problem = listed || form || (problems.length > before ? problems.slice(before).join('; ') : undefined);
    screens.push({ client: client.name, screen: link.text, path: link.href, ok: !problem, ...(problem ? { detail: problem } : {}) });
  }
  await context.close();
  return { screens, problems: problems.map((p) => client.name + ': ' + p) };
}

(async () => {
  const client = require(path.resolve('services', config.services[0], 'test/client.js'));
  const env = client.serviceEnv({}, { inMemory: true });
  const running = {};
  for (const slug of config.services) {
    const { main } = require(path.resolve('services', slug, 'src/main.js'));
    running[slug] = await main({ ...env });
  }
  const { gatewayHandler } = require('./gateway.js');
  const product = {
    clients: { web: path.resolve('clients/web'), mobile: path.resolve('clients/mobile') },
    service: (name) => (Object.hasOwn(running, name) ? 'http://127.0.0.1:' + running[name].port : undefined),
  };
  const server = http.createServer(gatewayHandler(() => product));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = 'http://127.0.0.1:' + server.address().port;
  const token = await client.tokenFor('browser-tester', config.roles);
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({
    executablePath: config.chromium,
    // The sandbox confines the browser; its own sandbox needs namespaces the sandbox does not give.
    args: ['--no-sandbox', '--no-zygote', '--disable-dev-shm-usage', '--disable-gpu'],
  });
  const result = { screens: [], problems: [] };
  try {
    for (const entry of config.clients) {
      const checked = await checkClient(browser, origin, entry, token);
      result.screens.push(...checked.screens);
      result.problems.push(...checked.problems);
    }
  } finally {
    await browser.close();
    server.close();
    for (const service of Object.values(running)) await service.stop();
  }
  process.stdout.write(marker + JSON.stringify(result) + '\\n');
})().catch((error) => { process.stderr.write(String((error && error.stack) || error) + '\\n'); process.exit(1); });
`;
