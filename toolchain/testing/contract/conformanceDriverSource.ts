import { stepHeader } from './exchange';

/**
 * Runs inside the sandbox with the exchange recorder preloaded: starts the compiled service in the same process
 * on a loopback port and sends the generated requests one after the other. Ids of records it created fill the
 * `{id}` of later requests; a deleted record's id is dropped. The recorder, not the driver, reports what was
 * exchanged, so the driver's own view cannot differ from what the service answered.
 */
export const conformanceDriverSource = `'use strict';
const http = require('node:http');
const fs = require('node:fs');
const requests = JSON.parse(fs.readFileSync('.factory/requests.json', 'utf8'));
const missing = '00000000-0000-4000-8000-00000000dead';
function send(port, method, path, headers, body) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent: false, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(10000, () => req.destroy(new Error('request timed out')));
    req.on('error', () => resolve({ status: 0, text: '' }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
(async () => {
  const { main } = require('../src/main.js');
  const client = require('../test/client.js');
  const service = await main(client.serviceEnv({}, { inMemory: true }));
  const authorization = 'Bearer ' + await client.tokenFor('contract-driver', []);
  const ids = {};
  for (const [step, r] of requests.entries()) {
    const pool = r.idFrom ? (ids[r.idFrom] || []) : [];
    const id = r.idFrom ? (pool.length ? pool[step % pool.length] : missing) : r.id;
    const path = (id === undefined ? r.path : r.path.replace(/\\{[^}]+\\}/, encodeURIComponent(id))) + (r.query ? '?' + r.query : '');
    const headers = { authorization, ${JSON.stringify(stepHeader)}: String(step) };
    if (r.body !== undefined) { headers['content-type'] = r.contentType; headers['content-length'] = Buffer.byteLength(r.body); }
    const reply = await send(service.port, r.method, path, headers, r.body);
    if (r.creates && reply.status === 201) {
      try { (ids[r.creates] = ids[r.creates] || []).push(JSON.parse(reply.text).id); } catch {}
    }
    if (r.method === 'DELETE' && reply.status === 204 && r.idFrom) ids[r.idFrom] = pool.filter((known) => known !== id);
  }
  await service.stop();
})().catch((error) => { process.stderr.write(String(error && error.stack || error) + '\\n'); process.exit(1); });
`;
