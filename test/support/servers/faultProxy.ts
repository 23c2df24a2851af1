import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy in front of a local server that can make it unreachable for a while, as an outage of the real
 * service looks to its clients: open connections are reset, and new ones are reset as soon as they are made,
 * until it is back. The server behind it keeps its state, as an Azure service keeps its data through an outage.
 */
export interface FaultProxy {
  port: number;
  /** The connection string with the server's `127.0.0.1:port` replaced by the proxy's. */
  route(connectionString: string): string;
  /** Makes the server unreachable for `ms`; resolves when it is reachable again. */
  outage(ms: number): Promise<void>;
  /** Connections passed through, reset while open, and refused during outages, so far. */
  stats(): { accepted: number; reset: number; refused: number };
  stop(): Promise<void>;
}

export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  const host = '127.0.0.1';
  const open = new Set<{ client: Socket; upstream: Socket }>();
  const stats = { accepted: 0, reset: 0, refused: 0 };
  let down = false;
  const server = createServer((client) => {
    client.on('error', () => undefined);
    if (down) {
      stats.refused++;
      client.resetAndDestroy();
      return;
    }
    stats.accepted++;
    const upstream = createConnection({ host, port: targetPort });
    upstream.on('error', () => undefined);
    const pair = { client, upstream };
    open.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const port = (server.address() as { port: number }).port;
  const resetAll = () => {
    for (const pair of [...open]) {
      open.delete(pair);
      stats.reset++;
      pair.client.resetAndDestroy();
      pair.upstream.destroy();
    }
  };
  return {
    port,
    route: (connectionString) => connectionString.split(`${host}:${targetPort}`).join(`${host}:${port}`),
    async outage(ms) {
      down = true;
      resetAll();
      await new Promise((resolve) => setTimeout(resolve, ms));
      down = false;
    },
    stats: () => ({ ...stats }),
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      resetAll();
      await closed;
    },
  };
}
