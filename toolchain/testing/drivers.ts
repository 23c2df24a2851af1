import { reportMarker } from './reporterSource';

/**
 * One entity the drivers exercise: where it lives and a valid body. Unique fields are varied per request, and so
 * are the ids of the records it belongs to: load comes from many members and rooms, not one, as it would in use
 * (and per-owner limits of the vision's rules do not refuse it).
 */
export interface DriverTarget {
  collectionPath: string;
  body: Record<string, unknown>;
  uniqueFields: string[];
  keyFields: string[];
  /**
   * Fields that must name an existing record of the service, the collection that record is created in, and a
   * body for it that the child's rules accept.
   */
  parents: Array<{ field: string; collectionPath: string; body: Record<string, unknown> }>;
  /** Roles the vision's rules ask of a caller who creates or deletes such a record (one of each rule's). */
  roles: { create: string[]; delete: string[] };
  /** Actions a rule forbids to whoever created the record (or the record it belongs to): "not their own". */
  notOwn: Array<'create' | 'delete'>;
}

/**
 * Shared by the drivers. They call as a signed-in driver with every role the vision names, through the tests'
 * token issuer (test/client.js), whose public key the service is started with.
 */
const helpers = `
const http = require('node:http');
const client = require('../test/client.js');
const marker = ${JSON.stringify(reportMarker)};
let authorization;
async function signIn(subject, targets) {
  const roles = [...new Set(targets.flatMap((target) => [...target.roles.create, ...target.roles.delete]))];
  authorization = 'Bearer ' + await client.tokenFor(subject, roles);
}
function vary(target, n) {
  const body = { ...target.body };
  for (const name of target.uniqueFields) body[name] = 'u' + n + '.' + body[name];
  for (const name of target.keyFields || []) body[name] = '00000000-0000-4000-8000-' + String(n).padStart(12, '0');
  return body;
}
function call(agent, port, method, path, body, headers) {
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const started = process.hrtime.bigint();
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent,
      headers: { ...(authorization ? { authorization } : {}), ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }), ...(headers || {}) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json; try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, json, ms: Number(process.hrtime.bigint() - started) / 1e6, type: res.headers['content-type'] || '' });
      });
    });
    req.setTimeout(10000, () => req.destroy(new Error('request timed out')));
    req.on('error', (error) => resolve({ status: 0, error: String(error.message || error), ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}
`;

/**
 * Starts the compiled service in the same process on a loopback port and drives a bounded load (a request
 * budget and a time budget, whichever ends first) at a fixed concurrency over create, get and list.
 */
export const loadDriverSource = `'use strict';
${helpers}
const config = JSON.parse(require('node:fs').readFileSync('.factory/load.json', 'utf8'));
function percentile(sorted, p) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
(async () => {
  const { main } = require('../src/main.js');
  const service = await main(client.serviceEnv({}, { inMemory: true }));
  await signIn('load-driver', config.targets);
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency });
  const samples = [];
  const ids = config.targets.map(() => []);
  let issued = 0;
  const started = Date.now();
  const deadline = started + config.durationMs;
  async function worker() {
    while (issued < config.requests && Date.now() < deadline) {
      const n = issued++;
      const t = n % config.targets.length;
      const target = config.targets[t];
      const kind = ids[t].length === 0 ? 'create' : ['create', 'get', 'list'][Math.floor(n / config.targets.length) % 3];
      let reply;
      if (kind === 'create') {
        reply = await call(agent, service.port, 'POST', target.collectionPath, vary(target, n));
        if (reply.status === 201 && reply.json) ids[t].push(reply.json.id);
      } else if (kind === 'get') {
        const id = ids[t][n % ids[t].length];
        reply = await call(agent, service.port, 'GET', target.collectionPath + '/' + id);
      } else {
        reply = await call(agent, service.port, 'GET', target.collectionPath + '?limit=20');
      }
      const expected = kind === 'create' ? 201 : 200;
      samples.push({ kind, ms: reply.ms, ok: reply.status === expected, status: reply.status });
    }
  }
  await Promise.all(Array.from({ length: config.concurrency }, worker));
  const elapsed = Date.now() - started;
  agent.destroy();
  await service.stop();
  const latencies = samples.map((s) => s.ms).sort((a, b) => a - b);
  const statusCounts = {};
  for (const s of samples) statusCounts[s.status] = (statusCounts[s.status] || 0) + 1;
  const byOperation = {};
  for (const kind of ['create', 'get', 'list']) {
    const own = samples.filter((s) => s.kind === kind).map((s) => s.ms).sort((a, b) => a - b);
    byOperation[kind] = { requests: own.length, p95Ms: percentile(own, 95) };
  }
  const errors = samples.filter((s) => !s.ok).length;
  process.stdout.write(marker + JSON.stringify({
    type: 'load', requests: samples.length, durationMs: elapsed, concurrency: config.concurrency,
    throughputRps: samples.length / (elapsed / 1000), errors, errorRate: samples.length ? errors / samples.length : 1,
    latencyMs: { p50: percentile(latencies, 50), p95: percentile(latencies, 95), p99: percentile(latencies, 99), max: latencies[latencies.length - 1] || 0 },
    statusCounts, byOperation,
  }) + '\\n');
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exit(1); });
`;

/**
 * Runs the compiled service as child processes (confined by the permission model) and injects faults:
 * malformed requests, a slow and a failing repository (CHAOS_REPOSITORY), SIGKILL with restart, SIGTERM.
 * Each experiment reports whether the service survived it and what was observed.
 */
export const chaosDriverSource = `'use strict';
${helpers}
const { spawn } = require('node:child_process');
const config = JSON.parse(require('node:fs').readFileSync('.factory/chaos.json', 'utf8'));
const workdir = process.cwd();
function start(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=256', '--experimental-permission', '--allow-fs-read=' + workdir, '--allow-fs-write=' + workdir, '--no-warnings', 'src/main.js'], {
      env: { PATH: process.env.PATH, HOME: workdir, ...client.serviceEnv(env, { inMemory: true }) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error('service did not start within 15 s')), 15000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on port (\\d+)/.exec(out);
      if (match) { clearTimeout(timer); resolve({ child, port: Number(match[1]) }); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error('service exited with ' + code + ' before listening')); });
  });
}
function exited(child, ms) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve({ code: child.exitCode, signal: child.signalCode });
    const timer = setTimeout(() => resolve(null), ms);
    child.once('exit', (code, signal) => { clearTimeout(timer); resolve({ code, signal }); });
  });
}
async function healthy(port) {
  const reply = await call(false, port, 'GET', '/health');
  return reply.status === 200;
}
const target = config.targets[0];
const experiments = [];
async function experiment(name, category, fn) {
  try {
    const outcome = await fn();
    experiments.push({ name, category, survived: outcome.survived, observations: outcome.observations });
  } catch (error) {
    experiments.push({ name, category, survived: false, observations: ['error: ' + String(error && error.message || error)] });
  }
}
(async () => {
  await signIn('chaos-driver', config.targets);
  const malformed = [
    ['malformed JSON body', 'POST', target.collectionPath, '{"broken": ', undefined, [400]],
    ['wrong content type', 'POST', target.collectionPath, 'a=1', { 'content-type': 'text/plain' }, [415]],
    ['huge body (2 MiB)', 'POST', target.collectionPath, JSON.stringify({ blob: 'x'.repeat(2 * 1024 * 1024) }), undefined, [413]],
    ['unknown route', 'GET', '/v1/no-such-thing', undefined, undefined, [404]],
    ['invalid id', 'GET', target.collectionPath + '/not-a-uuid', undefined, undefined, [400, 404]],
    ['unsupported method', 'PUT', target.collectionPath, '{}', undefined, [405]],
    ['body of the wrong shape', 'POST', target.collectionPath, '[1,2,3]', undefined, [400]],
  ];
  // One process takes every malformed request in turn; a health check after each shows it is still serving,
  // and a process that stopped answering is replaced so the next experiment starts from a healthy service.
  let shared = await start({});
  for (const [name, method, path, body, headers, expected] of malformed) {
    await experiment(name, 'malformed-request', async () => {
      const reply = await call(false, shared.port, method, path, body, headers);
      const alive = await healthy(shared.port);
      if (!alive) {
        shared.child.kill('SIGKILL');
        await exited(shared.child, 2000);
        shared = await start({});
      }
      const problem = String(reply.type).startsWith('application/problem+json');
      return {
        survived: expected.includes(reply.status) && alive && problem,
        observations: ['answered ' + reply.status + ' (' + reply.type + '), expected ' + expected.join('|'), alive ? 'still healthy' : 'health check failed'],
      };
    });
  }
  shared.child.kill('SIGKILL');
  await exited(shared.child, 2000);
  await experiment('slow repository (' + config.slowDelayMs + ' ms per call)', 'repository', async () => {
    const service = await start({ CHAOS_REPOSITORY: 'slow', CHAOS_DELAY_MS: String(config.slowDelayMs) });
    try {
      const created = await call(false, service.port, 'POST', target.collectionPath, vary(target, 1));
      const fetched = created.json ? await call(false, service.port, 'GET', target.collectionPath + '/' + created.json.id) : { status: 0, ms: 0 };
      return {
        survived: created.status === 201 && fetched.status === 200,
        observations: ['create ' + created.status + ' in ' + Math.round(created.ms) + ' ms', 'get ' + fetched.status + ' in ' + Math.round(fetched.ms) + ' ms'],
      };
    } finally { service.child.kill('SIGKILL'); await exited(service.child, 2000); }
  });
  await experiment('failing repository', 'repository', async () => {
    const service = await start({ CHAOS_REPOSITORY: 'failing' });
    try {
      const list = await call(false, service.port, 'GET', target.collectionPath);
      const create = await call(false, service.port, 'POST', target.collectionPath, vary(target, 2));
      const alive = await healthy(service.port);
      const graceful = [list, create].every((r) => r.status === 503 && String(r.type).startsWith('application/problem+json'));
      return { survived: graceful && alive, observations: ['list ' + list.status, 'create ' + create.status, alive ? 'still healthy' : 'health check failed'] };
    } finally { service.child.kill('SIGKILL'); await exited(service.child, 2000); }
  });
  await experiment('process killed (SIGKILL) and restarted', 'process', async () => {
    const first = await start({});
    const created = await call(false, first.port, 'POST', target.collectionPath, vary(target, 3));
    first.child.kill('SIGKILL');
    await exited(first.child, 2000);
    const begun = Date.now();
    const second = await start({});
    try {
      const alive = await healthy(second.port);
      const after = created.json ? await call(false, second.port, 'GET', target.collectionPath + '/' + created.json.id) : { status: 0 };
      return {
        survived: alive,
        observations: ['restarted and healthy in ' + (Date.now() - begun) + ' ms', after.status === 200 ? 'data survived the restart' : 'data written before the kill is gone (in-memory repository): ' + after.status],
      };
    } finally { second.child.kill('SIGKILL'); await exited(second.child, 2000); }
  });
  await experiment('graceful shutdown on SIGTERM', 'process', async () => {
    const service = await start({});
    service.child.kill('SIGTERM');
    const result = await exited(service.child, 10000);
    if (!result) service.child.kill('SIGKILL');
    return { survived: result !== null && result.code === 0, observations: [result ? 'exited with code ' + result.code + ' signal ' + result.signal : 'did not exit within 10 s'] };
  });
  process.stdout.write(marker + JSON.stringify({ type: 'chaos', experiments }) + '\\n');
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exit(1); });
`;
