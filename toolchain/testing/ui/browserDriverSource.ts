/** Each line of the driver's result starts with this, so nothing the product prints can pass for it. */
export const browserResultMarker = '@@factory-browser-result@@ ';

/**
 * Runs inside the sandbox: starts every compiled service of the product in this process on loopback ports (as
 * the conformance driver starts one), the product's gateway (the kit's handler) serving the built clients with
 * each API under `/api/<service>/`, then Chromium through playwright-core. For each client (the web app at `/`, the
 * PWA at `/app/`) it signs in through the URL fragment with a token holding every role the rules name, opens
 * every screen of the navigation and its "New" form, fills the form with a valid sample record (the records it
 * refers to created first through the API), submits it and expects the new record's page, or the service's refusal
 * shown next to the form; it reports what each screen showed, and every console error, page error, failed request
 * and response of 400 or more but those refusals. A client that cannot reach its services shows an alert instead of
 * its list, which is what the Testing gate looks for.
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

/** The value a form control takes for a sample value of the API (date-time inputs want local minutes). */
function inputValue(type, value) {
  if (type === 'datetime-local') return String(value).slice(0, 16);
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A unique sample made distinct per client, so the PWA's record does not collide with the web app's. */
function distinct(value, client) {
  if (typeof value !== 'string') return value;
  return value.includes('@') ? value.replace('@', '+' + client + '@') : value + ' ' + client;
}

/** The records a form's record refers to, created through the gateway; the fields to fill with their ids. */
async function parentsOf(origin, token, form, client) {
  const ids = {};
  for (const parent of form.parents) {
    const body = { ...parent.body };
    for (const name of parent.unique) body[name] = distinct(body[name], client + '-' + form.path.replace(/\\W+/g, '-'));
    const response = await fetch(origin + '/api/' + form.service + parent.collectionPath, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + token },
      body: JSON.stringify(body),
    });
    if (!response.ok) return { missing: parent.collectionPath + ' answered ' + response.status };
    ids[parent.field] = (await response.json()).id;
  }
  return { ids };
}

/** Fills and submits the "New" form on screen: the record's page, or a refusal shown at the form. */
async function submitForm(page, origin, token, form, client, forgive) {
  const parents = await parentsOf(origin, token, form, client.name);
  if (parents.missing) return { submitted: 'not submitted: the record it refers to could not be made (' + parents.missing + ')' };
  const body = { ...form.body, ...parents.ids };
  for (const name of form.unique) body[name] = distinct(body[name], client.name);
  for (const [name, value] of Object.entries(body)) {
    const control = page.locator('[id="field-' + name + '"]');
    if ((await control.count()) === 0 || value === undefined || value === null) continue;
    const tag = await control.evaluate((e) => e.tagName.toLowerCase() + ':' + (e.getAttribute('type') || ''));
    if (tag.startsWith('select')) await control.selectOption(String(value));
    else if (tag === 'input:checkbox') await control.setChecked(Boolean(value));
    else await control.fill(inputValue(tag.slice(tag.indexOf(':') + 1), value));
  }
  const answer = page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname.startsWith('/api/'), { timeout: config.timeoutMs }).catch(() => undefined);
  await page.getByRole('button', { name: 'Create' }).click();
  const response = await answer;
  if (!response) return { problem: 'submitting the form sent nothing to the service' };
  const status = response.status();
  if (status >= 500) return { problem: 'the service failed to create it (' + status + ')' };
  // A valid sample the service finds invalid: the form sent something else than what was filled in.
  if (status === 400) {
    forgive(status, new URL(response.url()).pathname);
    return { problem: 'the service found the record the form sent invalid (400), though every field was filled with a valid value' };
  }
  // A rule of the product refused it (403, 409, 422): people must see why, next to the form.
  if (status >= 400) {
    forgive(status, new URL(response.url()).pathname);
    const shown = await page.locator('form .problem').first().waitFor({ timeout: config.timeoutMs })
      .then(async () => firstLine(await page.locator('form .problem').first().textContent()), () => undefined);
    return shown ? { submitted: 'refused: ' + shown } : { problem: 'the service refused it (' + status + ') and the form does not say why' };
  }
  const detail = await page.locator('.details').first().waitFor({ timeout: config.timeoutMs }).then(() => true, () => false);
  return detail ? { submitted: 'created, its page shown' } : { problem: 'created, but its page did not show' };
}

async function checkClient(browser, origin, client, token) {
  const context = await browser.newContext({ serviceWorkers: 'block' });
  const page = await context.newPage();
  const problems = [];
  // Refusals the service gave a submitted form, which the form showed: the product's rules at work, not problems.
  const expected = new Set();
  const refusal = (text) => [...expected].some((status) => text.includes('status of ' + status));
  /** The submission's answer is not a problem of its own (it may have been recorded before it was known). */
  const forgive = (status, pathname) => {
    expected.add(status);
    for (let i = problems.length - 1; i >= 0; i--)
      if (problems[i] === status + ' POST ' + pathname || (problems[i].startsWith('console error: ') && refusal(problems[i]))) problems.splice(i, 1);
  };
  page.on('console', (m) => { if (m.type() === 'error' && !refusal(m.text())) problems.push('console error: ' + firstLine(m.text())); });
  page.on('pageerror', (e) => problems.push('page error: ' + firstLine(e.message)));
  page.on('response', (r) => { if (r.status() >= 400 && !(r.request().method() === 'POST' && expected.has(r.status()))) problems.push(r.status() + ' ' + r.request().method() + ' ' + new URL(r.url()).pathname); });
  page.on('requestfailed', (r) => problems.push('no answer: ' + r.method() + ' ' + new URL(r.url()).pathname + ' (' + (r.failure() ? r.failure().errorText : '') + ')'));
  const screens = [];
  await page.goto(origin + client.path + '#access_token=' + token);
  // The app draws its navigation once the person is signed in, which can be after the page's load event.
  await page.locator('a.nav-link').first().waitFor({ timeout: config.timeoutMs }).catch(() => undefined);
  const links = await page.locator('a.nav-link').evaluateAll((as) => as.map((a) => ({ href: a.getAttribute('href'), text: (a.textContent || '').trim() })));
  if (links.length === 0) problems.push('the page shows no navigation');
  for (const link of links) {
    const before = problems.length;
    // What the previous screen showed (an alert at its form, say) must not pass for this screen's answer.
    await page.evaluate(() => document.getElementById('app')?.replaceChildren());
    await page.locator('a.nav-link[href="' + link.href + '"]').click();
    const listed = await screenOf(page, link.text, config.timeoutMs);
    let form;
    let submitted;
    const create = page.locator('.view-header a.button.primary');
    if (!listed && (await create.count()) > 0) {
      await create.first().click();
      form = await page.getByRole('button', { name: 'Create' }).waitFor({ timeout: config.timeoutMs })
        .then(() => undefined, () => 'its form did not appear');
      const sample = config.forms[link.href];
      if (!form && sample) {
        const outcome = await submitForm(page, origin, token, sample, client, forgive);
        form = outcome.problem;
        submitted = outcome.submitted;
      }
    }
    const problem = listed || form || (problems.length > before ? problems.slice(before).join('; ') : undefined);
    screens.push({ client: client.name, screen: link.text, path: link.href, ok: !problem, ...(problem ? { detail: problem } : {}), ...(submitted ? { submitted } : {}) });
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
