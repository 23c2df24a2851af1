import { createServer } from 'node:http';
import { join } from 'node:path';
import { gatewayHandler, parseSignIn, type LiveProduct } from './gateway';

/**
 * The product's gateway container: serves the clients built into the image and forwards `/api/<service>/` to the
 * services named in GATEWAY_ROUTES (JSON, service name to base URL; in Container Apps each service's app inside
 * the environment, `http://<app name>`, which takes its traffic split, so a blue/green switch of a service moves
 * its API here too), and tells the clients how to sign in (GATEWAY_SIGN_IN).
 */
function routes(): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(process.env.GATEWAY_ROUTES ?? '');
  } catch {
    throw new Error('GATEWAY_ROUTES must be a JSON object of service names and base URLs');
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('GATEWAY_ROUTES must be a JSON object of service names and base URLs');
  const entries = Object.entries(parsed as Record<string, unknown>);
  for (const [service, url] of entries)
    if (typeof url !== 'string' || !/^https?:\/\//.test(url))
      throw new Error(`GATEWAY_ROUTES: the URL of ${service} is not an http(s) URL`);
  return Object.fromEntries(entries) as Record<string, string>;
}

const services = routes();
// GATEWAY_SIGN_IN: how the clients sign in (JSON, see SignInSettings); absent, the handed-over token.
const signIn = parseSignIn(process.env.GATEWAY_SIGN_IN);
const clients = process.env.CLIENTS_DIR ?? join(__dirname, '..', '..', 'clients');
const product: LiveProduct = {
  clients: { web: join(clients, 'web'), mobile: join(clients, 'mobile') },
  signIn,
  service: (name) => (Object.hasOwn(services, name) ? services[name] : undefined),
};
const server = createServer(gatewayHandler(() => product));
server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '0.0.0.0', () => {
  const address = server.address();
  if (address && typeof address === 'object')
    process.stdout.write(`gateway listening on port ${address.port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
