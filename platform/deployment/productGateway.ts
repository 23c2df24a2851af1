import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { gatewayHandler, type LiveProduct } from '../../kit/gateway/src/gateway';

/**
 * The product's one origin on this machine, as the product's gateway app gives it in Azure (the same handler,
 * `kit/gateway/`): the live version's web app at `/`, its PWA at `/app/`, and each service's API under
 * `/api/<service>/`. It reads the deployment's routing entry (`current.json`) on every request, so a blue/green
 * switch or a rollback moves the pages and the APIs together. It runs detached, started by the local target, and
 * serves only what the deployment folder holds.
 *
 * Usage: node productGateway.js DEPLOYMENT_DIR [PORT]
 */

interface Routing {
  version: string;
  status: 'live' | 'stopped';
  services: Array<{ service: string; url: string }>;
}

const base = resolve(process.argv[2] ?? '.');
const routingFile = join(base, 'current.json');
let cached: { key: string; routing: Routing } | undefined;

/** The routing entry, read again only when the file was replaced (it is written by rename). */
function routing(): Routing | undefined {
  const stat = statSync(routingFile, { throwIfNoEntry: false });
  if (!stat) return undefined;
  const key = `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  if (cached?.key !== key)
    cached = { key, routing: JSON.parse(readFileSync(routingFile, 'utf8')) as Routing };
  return cached.routing;
}

function live(): LiveProduct | undefined {
  const entry = routing();
  if (entry?.status !== 'live') return undefined;
  const clients = join(base, entry.version, 'clients');
  return {
    clients: { web: join(clients, 'web'), mobile: join(clients, 'mobile') },
    service: (name) => entry.services.find((s) => s.service === name)?.url,
  };
}

const server = createServer(gatewayHandler(live));
const wanted = Number(process.argv[3] ?? 0);
// The port it had before (a restart keeps the product's address), unless something else took it meanwhile.
server.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE' && wanted !== 0) server.listen(0, '127.0.0.1');
  else throw error;
});
server.listen(wanted, '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on port ${address.port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const)
  process.on(signal, () => server.close(() => process.exit(0)));
