import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Registers the API's functions into the embedded host's registry before the session reads it.
import '../../functions/http';
import { serve, type Serving } from '../../local/cli/commands/serve';
import { openSession, type Session } from '../../local/cli/session';

/** Tokens of the test server: tenant a (every role, read-only, no approvals) and tenant b. */
export const tokens = {
  a: 'tenant-a-token-000000000000000000000000',
  aRead: 'tenant-a-read-only-token-00000000000000',
  aStart: 'tenant-a-start-only-token-0000000000000',
  b: 'tenant-b-token-000000000000000000000000',
};

export const tokenSetting = JSON.stringify({
  [tokens.a]: { tenant: 'tenant-a', roles: ['Runs.Start', 'Runs.Read', 'Gates.Approve'], name: 'alice' },
  [tokens.aRead]: { tenant: 'tenant-a', roles: ['Runs.Read'] },
  [tokens.aStart]: { tenant: 'tenant-a', roles: ['Runs.Start', 'Runs.Read'] },
  [tokens.b]: { tenant: 'tenant-b', roles: ['Runs.Start', 'Runs.Read', 'Gates.Approve'], name: 'bob' },
});

export interface Api {
  url: string;
  home: string;
  session: Session;
  serving: Serving;
  close(): Promise<void>;
}

const managedEnv = [
  'FACTORY_HOME',
  'FACTORY_API_TOKENS',
  'FACTORY_AUTH_MODE',
  'FACTORY_TENANT',
  'FACTORY_PUBLIC_ORIGIN',
  'WEBSITE_AUTH_ENABLED',
] as const;

/**
 * The app on the embedded host in a fresh FACTORY_HOME, served on a loopback port as `factory serve` does.
 * `process: false` accepts runs without executing them (the durable host records but does not drive them).
 */
export async function startApi(
  env: Partial<Record<(typeof managedEnv)[number], string>> = { FACTORY_API_TOKENS: tokenSetting },
  options: { process?: boolean } = {},
): Promise<Api> {
  const saved = Object.fromEntries(managedEnv.map((k) => [k, process.env[k]]));
  const home = mkdtempSync(join(tmpdir(), 'factory-api-'));
  for (const key of managedEnv) delete process.env[key];
  Object.assign(process.env, env, { FACTORY_HOME: home });
  const session = await openSession({ process: options.process ?? true });
  const serving = await serve(session, 0);
  return {
    url: serving.url,
    home,
    session,
    serving,
    async close() {
      await serving.close();
      await session.close();
      for (const key of managedEnv) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  bytes: Buffer;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * One HTTP request with the path sent exactly as given (no client-side normalisation of `..` or escapes),
 * so path handling is tested as a hostile client would exercise it.
 */
export function send(
  base: string,
  method: string,
  path: string,
  options: {
    token?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    contentType?: string;
  } = {},
): Promise<Reply> {
  const url = new URL(base);
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.contentType) headers['content-type'] = options.contentType;
  const body =
    options.body === undefined
      ? undefined
      : Buffer.isBuffer(options.body)
        ? options.body
        : Buffer.from(options.body);
  if (body) headers['content-length'] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, bytes, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

/** JSON request shorthand. */
export const sendJson = (
  base: string,
  method: string,
  path: string,
  token: string | undefined,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  send(base, method, path, { token, headers, body: JSON.stringify(body), contentType: 'application/json' });

/** Polls until `check` returns a value or the time is up. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const shortVision = `# Neighbourhood tool library

Neighbours lend and borrow tools. A member lists a tool with a name and a condition. Another member
reserves the tool for a date range; the owner approves or declines the reservation. When the tool is
returned, the owner records its condition.
`;

/** Sets settings for one test and puts them back afterwards, whatever happens. */
export async function withEnv(
  values: Record<string, string | undefined>,
  work: () => Promise<void>,
): Promise<void> {
  const saved = Object.fromEntries(Object.keys(values).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(values);
  try {
    await work();
  } finally {
    apply(saved);
  }
}
