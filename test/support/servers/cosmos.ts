import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { LoopbackCertificate } from './loopbackTls';

/** The Cosmos DB emulator's well-known key; `@vercel/cosmosdb-server` accepts any key. */
export const cosmosEmulatorKey =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

export interface CosmosServer {
  /** `AccountEndpoint=http://127.0.0.1:PORT/;AccountKey=...;` for `CosmosConnection`. */
  connectionString: string;
  endpoint: string;
  key: string;
  stop(): Promise<void>;
}

/**
 * `@vercel/cosmosdb-server` in-process on a random loopback port, in memory. It is served over plain HTTP:
 * the package's HTTPS variant uses a self-signed certificate, which would force every client (and the
 * factory's own adapter) to switch certificate checks off, while `@azure/cosmos` talks HTTP to a loopback
 * endpoint without complaint. Clients must disable endpoint discovery (the server advertises https
 * locations); the factory's adapter does so for connection strings. With a certificate whose authority the
 * clients trust it serves HTTPS, as Cosmos DB does for managed identities (which keep endpoint discovery on).
 */
export async function startCosmos(options: { tls?: LoopbackCertificate } = {}): Promise<CosmosServer> {
  const { createHttpServer, createHttpsServer } =
    require('@vercel/cosmosdb-server') as typeof import('@vercel/cosmosdb-server');
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key })
    : createHttpServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/`;
  let stopped = false;
  return {
    endpoint,
    key: cosmosEmulatorKey,
    connectionString: `AccountEndpoint=${endpoint};AccountKey=${cosmosEmulatorKey};`,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
