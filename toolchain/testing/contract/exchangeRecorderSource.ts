import { exchangeMarker, stepHeader } from './exchange';

/** Bodies are kept up to this size; longer ones are marked incomplete and their requests are not judged. */
export const recordedBodyLimit = 64 * 1024;

/**
 * A module preloaded (`--require`) into the process that runs a generated service inside the sandbox. It wraps
 * `http.Server#emit` so that every request any server in the process answers is recorded with its response,
 * whoever sent it (the acceptance tests, the contract tests, a driver), and printed as one marker line on stdout
 * when the response finishes. Bodies are copied from the `data` events the streams emit anyway (also when the
 * service reads the request with an async iterator), so recording never changes how the service reads or writes.
 */
export const exchangeRecorderSource = `'use strict';
const http = require('node:http');
const marker = ${JSON.stringify(exchangeMarker)};
const limit = ${recordedBodyLimit};
function collector() {
  const chunks = [];
  let size = 0;
  let complete = true;
  return {
    add(chunk, encoding) {
      if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
      const buffer = Buffer.isBuffer(chunk) ? chunk : typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk);
      if (size + buffer.length > limit) { complete = false; return; }
      chunks.push(buffer);
      size += buffer.length;
    },
    text() { return Buffer.concat(chunks).toString('utf8'); },
    complete() { return complete; },
  };
}
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, req, res) {
  if (event === 'request' && req && res) {
    const requestBody = collector();
    const responseBody = collector();
    let ended = false;
    const requestEmit = req.emit;
    req.emit = function (name, chunk) {
      if (name === 'data') requestBody.add(chunk);
      if (name === 'end') ended = true;
      return requestEmit.apply(this, arguments);
    };
    // Headers given to writeHead are not visible through getHeader, so they are kept as they pass.
    const given = {};
    const writeHead = res.writeHead;
    res.writeHead = function (status, message, headers) {
      const list = typeof message === 'object' && message !== null ? message : headers;
      if (Array.isArray(list)) { const flat = Array.isArray(list[0]) ? list.flat() : list; for (let i = 0; i + 1 < flat.length; i += 2) given[String(flat[i]).toLowerCase()] = String(flat[i + 1]); }
      else if (list) for (const [name, value] of Object.entries(list)) given[name.toLowerCase()] = String(value);
      return writeHead.apply(this, arguments);
    };
    const write = res.write;
    const end = res.end;
    res.write = function (chunk, encoding) { responseBody.add(chunk, encoding); return write.apply(this, arguments); };
    res.end = function (chunk, encoding) { responseBody.add(chunk, encoding); return end.apply(this, arguments); };
    let recorded = false;
    const record = () => {
      if (recorded || !res.headersSent) return;
      recorded = true;
      const step = Number(req.headers[${JSON.stringify(stepHeader)}]);
      const header = (name) => { const value = res.getHeader(name); return value === undefined ? given[name] : String(value); };
      process.stdout.write(marker + JSON.stringify({
        method: req.method, target: req.url,
        requestContentType: req.headers['content-type'],
        requestBody: requestBody.text(), requestBodyComplete: requestBody.complete() && (ended || req.headers['content-length'] === undefined || req.headers['content-length'] === '0'),
        status: res.statusCode, responseContentType: header('content-type'),
        responseBody: responseBody.text(), responseBodyComplete: responseBody.complete() && res.writableFinished,
        step: Number.isInteger(step) ? step : undefined,
      }) + '\\n');
    };
    res.once('finish', record);
    res.once('close', record);
  }
  return emit.apply(this, arguments);
};
`;

/** The recorder as a sandbox file and the Node.js argument that preloads it. */
export const exchangeRecorder = {
  file: { path: '.factory/exchanges.js', content: exchangeRecorderSource },
  args: ['--require=./.factory/exchanges.js'],
};
