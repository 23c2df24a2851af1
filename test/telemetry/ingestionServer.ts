import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { PipelineOptions } from '../../platform/telemetry';
import { makeLoopbackCertificate, type LoopbackCertificate } from '../support/servers/loopbackTls';

/** One telemetry item as the ingestion endpoint receives it: the documented `POST /v2.1/track` body is an array. */
export interface Envelope {
  name: string;
  time: string;
  iKey: string;
  sampleRate?: number;
  tags: Record<string, string>;
  data: { baseType: string; baseData: Record<string, unknown> };
}

/** A local stand-in for the Application Insights ingestion endpoint: records every envelope it is sent. */
export interface IngestionServer {
  /** `https://127.0.0.1:<port>`: the exporters send over TLS only. */
  url: string;
  /** A connection string pointing at this server. */
  connectionString(instrumentationKey: string): string;
  /** Pipeline options that make the exporters trust this server and keep their retry files in a folder of its own. */
  options: PipelineOptions;
  envelopes: Envelope[];
  requests: Array<{ path: string; headers: IncomingHttpHeaders }>;
  /** Answers the next requests with these statuses (then 200 again). */
  failNext(...statuses: number[]): void;
  close(): Promise<void>;
}

/** Serves HTTPS with a certificate for 127.0.0.1 (its own, or one the caller's processes already trust). */
export async function startIngestionServer(given?: LoopbackCertificate): Promise<IngestionServer> {
  const certificate = given ?? makeLoopbackCertificate();
  const folder = mkdtempSync(join(tmpdir(), 'factory-ingestion-'));
  const { key, cert } = certificate;
  const ca = readFileSync(certificate.caFile, 'utf8');
  const envelopes: Envelope[] = [];
  const requests: IngestionServer['requests'] = [];
  const failures: number[] = [];
  const server: Server = createServer({ key, cert }, (req, res) => {
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
  const url = `https://127.0.0.1:${port}`;
  return {
    url,
    connectionString: (instrumentationKey) =>
      `InstrumentationKey=${instrumentationKey};IngestionEndpoint=${url}/`,
    options: { exporter: { tlsOptions: { ca }, storageDirectory: join(folder, 'retry') } },
    envelopes,
    requests,
    failNext: (...statuses) => failures.push(...statuses),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          rmSync(folder, { recursive: true, force: true });
          if (!given) certificate.remove();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
