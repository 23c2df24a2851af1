/**
 * Preloaded (`node --require`) into the processes of an Azure-shaped run: TLS connections to the Azure host names
 * in LOOPBACK_ROUTES (`{ "management.azure.com": 40123, "*.<domain>": 40124 }`, port 443 only) go to those
 * loopback ports instead, like a hosts-file entry with a port forward. The certificate is still checked against
 * the name asked for, so the app's code and SDKs call the real endpoints, unchanged.
 */
import tls from 'node:tls';

const routes = JSON.parse(process.env.LOOPBACK_ROUTES ?? '{}') as Record<string, number>;

function routeOf(host: unknown, port: unknown): number | undefined {
  if (typeof host !== 'string' || Number(port ?? 443) !== 443) return undefined;
  const name = host.toLowerCase();
  return (
    routes[name] ??
    Object.entries(routes).find(
      ([pattern]) =>
        pattern.startsWith('*.') &&
        name.endsWith(pattern.slice(1)) &&
        !name.slice(0, -pattern.length + 1).includes('.'),
    )?.[1]
  );
}

const connect = tls.connect;
const patched = function (this: unknown, ...args: unknown[]) {
  const options = args[0];
  if (options && typeof options === 'object') {
    const { host, port, servername } = options as tls.ConnectionOptions;
    const routed = routeOf(host, port);
    if (routed) args[0] = { ...options, host: '127.0.0.1', port: routed, servername: servername ?? host };
  }
  return (connect as (...a: unknown[]) => tls.TLSSocket).apply(this, args);
};
(tls as { connect: unknown }).connect = patched;
