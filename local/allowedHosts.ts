/** Names of this machine's loopback interface, as `URL.hostname` spells them. */
const loopbackNames = ['localhost', '127.0.0.1', '[::1]'];
const wildcardAddresses = ['0.0.0.0', '::', '[::]'];

/**
 * The host names a local server answers for: loopback, the address it listens on (unless a wildcard) and the
 * public origin's host. Checking the Host header against them stops DNS rebinding: a web page whose name was
 * re-pointed at 127.0.0.1 sends its own name as Host, so its requests are refused even though they arrive here.
 */
export function allowedHostnames(listenHost: string, origin?: string): Set<string> {
  const names = new Set(loopbackNames);
  const listen = listenHost.includes(':') && !listenHost.startsWith('[') ? `[${listenHost}]` : listenHost;
  if (!wildcardAddresses.includes(listen)) names.add(listen.toLowerCase());
  if (origin) names.add(new URL(origin).hostname);
  return names;
}

/** Whether a Host header (`name[:port]`) names this server. A missing or malformed one does not. */
export function isAllowedHost(header: string | undefined, allowed: Set<string>): boolean {
  if (!header || !/^[A-Za-z0-9.\-[\]:]{1,300}$/.test(header)) return false;
  try {
    return allowed.has(new URL(`http://${header}`).hostname);
  } catch {
    return false;
  }
}
