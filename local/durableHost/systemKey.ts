import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The durable client API's system key. The embedded host makes a fresh one per process and puts it in the
 * binding data's `rpcBaseUrl` as the first path segment, so only code that was given the binding data (this
 * process's functions) can call the API, not whoever finds the loopback port. A path segment, not the Durable
 * extension's `code` query parameter: the durable client resolves every rpc call against `rpcBaseUrl`, which keeps
 * the base path but drops its query (ADR 0032).
 */
export const newSystemKey = (): string => randomBytes(32).toString('base64url');

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Compares in constant time over equal-length digests, so timing reveals nothing about the key. */
export function isSystemKey(presented: string, key: string): boolean {
  return timingSafeEqual(digest(presented), digest(key));
}

/**
 * A request path (`/<key>/runtime/webhooks/durabletask/...`) checked for the key: the path after the key, or why
 * it was refused (`missing` for a path that carries no key at all, `wrong` for any other first segment).
 */
export function pathAfterSystemKey(
  path: string,
  key: string,
  keylessPrefix: string,
): { ok: true; path: string } | { ok: false; reason: 'missing' | 'wrong' } {
  if (path.startsWith(keylessPrefix)) return { ok: false, reason: 'missing' };
  const end = path.indexOf('/', 1);
  const segment = end === -1 ? path.slice(1) : path.slice(1, end);
  if (!isSystemKey(segment, key)) return { ok: false, reason: 'wrong' };
  return { ok: true, path: end === -1 ? '/' : path.slice(end) };
}
