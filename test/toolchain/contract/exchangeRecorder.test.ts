import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseExchanges } from '../../../toolchain/testing/contract/exchange';
import {
  exchangeRecorder,
  recordedBodyLimit,
} from '../../../toolchain/testing/contract/exchangeRecorderSource';

/** A server that reads bodies the two ways services do and answers through writeHead or setHeader. */
const serverScript = `
const http = require('node:http');
const server = http.createServer(async (req, res) => {
  if (req.url === '/iterate') {
    let text = '';
    for await (const chunk of req) text += chunk;
    res.writeHead(201, { 'Content-Type': 'application/json', location: '/x/1' });
    res.end(JSON.stringify({ got: text.length }));
  } else if (req.url === '/events') {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => { res.setHeader('content-type', 'application/problem+json'); res.statusCode = 400; res.write('{"title":'); res.end('"Bad"}'); });
  } else {
    res.writeHead(204);
    res.end();
  }
});
server.listen(0, '127.0.0.1', async () => {
  const { port } = server.address();
  const send = (path, body, headers = {}) => new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: body === undefined ? 'GET' : 'POST', agent: false, headers }, (res) => { res.resume(); res.on('end', resolve); });
    if (body !== undefined) req.write(body);
    req.end();
  });
  await send('/iterate', '{"name":"lamp"}', { 'content-type': 'application/json', 'x-contract-step': '3' });
  await send('/events', 'x'.repeat(${recordedBodyLimit} + 10), { 'content-type': 'text/plain' });
  await send('/none?limit=2');
  console.log('service output is not an exchange');
  server.close();
});
`;

describe('the exchange recorder preloaded into a service process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recorder-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records each request and response as the server saw them, whoever reads or writes them how', () => {
    writeFileSync(join(dir, 'exchanges.js'), exchangeRecorder.file.content);
    writeFileSync(join(dir, 'server.js'), serverScript);
    const run = spawnSync(process.execPath, ['--require=./exchanges.js', 'server.js'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.stderr).toBe('');
    expect(parseExchanges(run.stdout)).toEqual([
      {
        method: 'POST',
        target: '/iterate',
        requestContentType: 'application/json',
        requestBody: '{"name":"lamp"}',
        requestBodyComplete: true,
        status: 201,
        responseContentType: 'application/json',
        responseBody: '{"got":15}',
        responseBodyComplete: true,
        step: 3,
      },
      {
        method: 'POST',
        target: '/events',
        requestContentType: 'text/plain',
        requestBody: expect.any(String),
        requestBodyComplete: false,
        status: 400,
        responseContentType: 'application/problem+json',
        responseBody: '{"title":"Bad"}',
        responseBodyComplete: true,
      },
      {
        method: 'GET',
        target: '/none?limit=2',
        requestBody: '',
        requestBodyComplete: true,
        status: 204,
        responseBody: '',
        responseBodyComplete: true,
      },
    ]);
  });
});
