import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Envelope } from '../../platform/telemetry';

/** A local stand-in for the Application Insights ingestion endpoint: records every envelope it is sent. */
export interface IngestionServer {
  url: string;
  envelopes: Envelope[];
  requests: Array<{ path: string; headers: Record<string, string | string[] | undefined> }>;
  /** Answers the next requests with these statuses (then 200 again). */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startIngestionServer(): Promise<IngestionServer> {
  const envelopes: Envelope[] = [];
  const requests: IngestionServer['requests'] = [];
  const failures: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', headers: req.headers });
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      const failure = failures.shift();
      if (failure) {
        res.writeHead(failure, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ itemsReceived: 0, itemsAccepted: 0, errors: [] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v2.1/track') {
        res.writeHead(404);
        res.end();
        return;
      }
      const items = JSON.parse(body.toString('utf8')) as Envelope[];
      envelopes.push(...items);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ itemsReceived: items.length, itemsAccepted: items.length, errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    envelopes,
    requests,
    failNext: (...statuses) => failures.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
