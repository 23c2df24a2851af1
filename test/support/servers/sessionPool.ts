import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { LocalProcessSandbox } from '../../../platform/sandbox/localProcessSandbox';
import { tokenAudience } from './managedIdentityEndpoint';
import { createSessionHandler } from '../../../platform/sandbox/sessionServer';
import {
  sessionIdentifierPattern,
  sessionsApiVersion,
  type SessionErrorResponse,
} from '../../../platform/sandbox/sessionProtocol';

const audience = 'https://dynamicsessions.io';

/**
 * A token credential shaped like Entra ID's: an unsigned JWT whose `aud` claim is the resource of the
 * requested scope, so the fake pool can refuse a token issued for another audience as the service does.
 */
export function fakeEntraCredential(): TokenCredential & { scopes: string[] } {
  const scopes: string[] = [];
  return {
    scopes,
    getToken: async (scope: string | string[]): Promise<AccessToken> => {
      const requested = Array.isArray(scope) ? scope : [scope];
      scopes.push(...requested);
      const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
      const expiresOnTimestamp = Date.now() + 3_600_000;
      const aud = requested[0].replace(/\/\.default$/, '');
      const claims = { aud, exp: Math.floor(expiresOnTimestamp / 1000) };
      return { token: `${encode({ alg: 'none' })}.${encode(claims)}.`, expiresOnTimestamp };
    },
  };
}

export interface SessionPoolRequest {
  method: string;
  path: string;
  identifier: string | null;
  apiVersion: string | null;
}

export interface SessionPoolFake {
  /** The pool management endpoint (loopback, http). */
  endpoint: string;
  /** Every request received, refused ones included. */
  requests: SessionPoolRequest[];
  /** Identifiers of sessions allocated and not yet deleted. */
  liveSessions(): string[];
  close(): Promise<void>;
}

function refuse(res: ServerResponse, status: number, code: string, message: string): void {
  const body: SessionErrorResponse = { error: { code, message } };
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function audienceOf(req: IncomingMessage): string | undefined {
  const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
  return match ? tokenAudience(match[1]) : undefined;
}

/**
 * A loopback fake of a custom-container session pool's management endpoint, following the documented
 * behaviour: a bearer token for the audience https://dynamicsessions.io on every request, the `api-version`
 * and `identifier` query parameters, a session allocated on the first request for an identifier, `DELETE
 * /session` ending it, and every other path forwarded to the session's container. The container here is the
 * real session server over a temp folder, so commands actually run (with the local sandbox's limits).
 */
export async function startSessionPool(
  options: {
    /** Holds each execution back this long, like a slow session allocation. */ executionDelayMs?: number;
    /** PATH inside the session image (the factory's image has node and the Bicep CLI on it); default this one's. */
    path?: string;
  } = {},
): Promise<SessionPoolFake> {
  const sessions = new Map<string, { folder: string; handle: ReturnType<typeof createSessionHandler> }>();
  const requests: SessionPoolRequest[] = [];
  const delayed = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://pool');
    const identifier = url.searchParams.get('identifier');
    const apiVersion = url.searchParams.get('api-version');
    requests.push({ method: req.method ?? '', path: url.pathname, identifier, apiVersion });
    if (audienceOf(req) !== audience) {
      return refuse(res, 401, 'Unauthorized', `a bearer token for the audience ${audience} is required`);
    }
    if (apiVersion !== sessionsApiVersion) {
      return refuse(res, 400, 'UnsupportedApiVersion', `api-version ${String(apiVersion)} is not supported`);
    }
    if (!identifier || !sessionIdentifierPattern.test(identifier)) {
      return refuse(res, 400, 'InvalidIdentifier', 'identifier must be 4 to 128 allowed characters');
    }
    if (url.pathname === '/session' && req.method === 'DELETE') {
      const session = sessions.get(identifier);
      if (!session) return refuse(res, 404, 'SessionNotFound', `no session ${identifier}`);
      sessions.delete(identifier);
      rmSync(session.folder, { recursive: true, force: true });
      return res.writeHead(204).end();
    }
    let session = sessions.get(identifier);
    if (!session) {
      const folder = mkdtempSync(join(tmpdir(), 'session-data-'));
      const sandbox = options.path
        ? new LocalProcessSandbox({ parentEnv: { ...process.env, PATH: options.path } })
        : undefined;
      session = { folder, handle: createSessionHandler({ dataFolder: folder, sandbox }) };
      sessions.set(identifier, session);
    }
    const forward = session.handle;
    if (url.pathname === '/executions' && options.executionDelayMs) {
      const timer = setTimeout(() => {
        delayed.delete(timer);
        void forward(req, res);
      }, options.executionDelayMs);
      delayed.add(timer);
    } else {
      void forward(req, res);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    liveSessions: () => [...sessions.keys()],
    close: async () => {
      for (const timer of delayed) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      for (const { folder } of sessions.values()) rmSync(folder, { recursive: true, force: true });
    },
  };
}
