import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { problemTypes, problemTypeUri } from '../../../functions/http/problem';
import { authMode, ensureLocalApiToken, hasRole, requireAuthenticationForMode } from '../../../platform/auth';
import { publicOrigin } from '../../../platform/publicOrigin';
import { reportResponse } from '../../../runs/report';
import { allowedHostnames, isAllowedHost } from '../../allowedHosts';
import { listenForCommands } from '../../commandListener';
import { HttpDispatcher } from '../../httpDispatcher';
import { readBody, refuseRequest } from '../../requestBody';
import { authenticationProblem, requestPrincipal } from '../../requestPrincipal';
import { parse, positiveInt } from '../args';
import { Output } from '../output';
import { openSession, type Session } from '../session';

export interface Serving {
  url: string;
  close(): Promise<void>;
}

const isReportPath = (url: string) => /^\/reports(?:[/?]|$)/.test(url);
const hasBody = (req: IncomingMessage) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * Serves the Functions app's HTTP triggers, as `func start` would, and the run reports under /reports/. Every
 * request must name this server in its Host header (loopback, the listening address or FACTORY_PUBLIC_ORIGIN);
 * reports need the API's bearer token and show the caller's tenant only; a request with a body is authenticated
 * before the body is read.
 */
export async function serve(session: Session, port: number, host = '127.0.0.1'): Promise<Serving> {
  requireAuthenticationForMode(process.env);
  const configuredOrigin = publicOrigin(process.env);
  const allowed = allowedHostnames(host, configuredOrigin);
  const log = (level: string, message: string) => {
    if (level === 'error' || level === 'warning' || process.env.FACTORY_VERBOSE)
      process.stderr.write(`[${level}] ${message}\n`);
  };
  // The durable webhooks stay on the host's internal loopback server, behind its system key.
  const dispatcher = new HttpDispatcher(session.factory.registry.all(), session.factory.fillInputs, log);
  let origin = '';

  /** Answers an authentication failure before any body is read; rethrows anything else. */
  const refuseUnauthenticated = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    const refusal = authenticationProblem(error);
    if (!refusal) throw error;
    if (refusal.problem.status >= 500) log('error', `request refused: ${(error as Error).message}`);
    refuseRequest(req, res, refusal.problem, refusal.headers);
  };

  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    if (!isAllowedHost(req.headers.host, allowed)) {
      return refuseRequest(req, res, {
        status: 421,
        title: 'Misdirected Request',
        detail: `this server does not answer for the host ${JSON.stringify(String(req.headers.host ?? '').slice(0, 100))}; use ${origin}, or set FACTORY_PUBLIC_ORIGIN to the origin clients use`,
      });
    }
    // The dashboard is the server's front page.
    if (path === '/' && (req.method === 'GET' || req.method === 'HEAD'))
      return void res.writeHead(302, { location: '/api/dashboard/' }).end();
    const report = isReportPath(path);
    if (report || hasBody(req)) {
      try {
        const principal = requestPrincipal(req);
        if (report && !hasRole(principal, 'Runs.Read')) {
          return refuseRequest(req, res, {
            type: problemTypeUri('forbidden'),
            title: problemTypes.forbidden.title,
            status: problemTypes.forbidden.status,
            detail: 'reports need the app role Runs.Read',
          });
        }
        if (report) {
          const reply = await reportResponse(req.method ?? 'GET', path, {
            ports: session.ports,
            tenantId: principal.tenantId,
            host: session.factory,
          });
          if (reply)
            return void res
              .writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-store' })
              .end(req.method === 'HEAD' ? undefined : reply.body);
        }
      } catch (error) {
        return refuseUnauthenticated(req, res, error);
      }
    }
    const body = await readBody(req, res);
    if (!body) return;
    if (await dispatcher.dispatch(req, res, body, origin)) return;
    res.writeHead(404, { 'content-type': 'application/problem+json' });
    res.end(
      JSON.stringify({
        type: 'about:blank',
        title: 'Not Found',
        status: 404,
        detail: `no function serves ${req.method} ${path.split('?')[0]}`,
      }),
    );
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    answer(req, res).catch((error: unknown) => {
      const status = error instanceof URIError ? 400 : 500;
      if (status === 500)
        log('error', `${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`);
      if (res.headersSent) return void res.end();
      res.writeHead(status, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: status === 400 ? 'Bad Request' : 'Internal Server Error',
          status,
          detail:
            status === 400
              ? 'the request path is not valid percent-encoding'
              : 'an unexpected error occurred',
        }),
      );
    });
  };
  const server = createServer(onRequest);
  // Expect: 100-continue is answered only after the Host and credential checks (readBody sends it), so a refused
  // client never sends its body.
  server.on('checkContinue', onRequest);
  // Idle keep-alive connections stay open longer than clients keep them (undici: 4 s, proxies: up to 60 s), so a
  // client never sends a request on a connection the server is closing at that moment (a reset under load).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  // Links and Location headers use the configured origin, never the client-chosen Host header.
  origin = configuredOrigin ?? url;
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** `factory serve [--port N] [--host 127.0.0.1]`: runs until interrupted. */
export async function serveCommand(args: string[]): Promise<number> {
  const { values } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    verbose: { type: 'boolean' },
  });
  const out = new Output(Boolean(values.json));
  const session = await openSession({ process: true, verbose: Boolean(values.verbose) });
  let serving: Serving;
  try {
    serving = await serve(
      session,
      positiveInt('port', values.port) ?? 7071,
      values.host ? String(values.host) : '127.0.0.1',
    );
  } catch (error) {
    // Settings that forbid serving (or a port in use) end the command, not leave the host running.
    await session.close();
    throw error;
  }
  // Commands from other systems (the factory-commands queue) are taken while the server runs.
  const commands = listenForCommands(session.factory, session.ports, (message) => out.line(message));
  for (const [port, adapter] of Object.entries(session.ports.describe()))
    out.line(`${port.padEnd(10)} ${adapter}`);
  out.line(`factory serving on ${serving.url}/api (run reports under ${serving.url}/reports/)`);
  if (authMode() === 'token') {
    // The token is never printed: it stays in its 0600 file, and the hint reads it from there.
    const token = ensureLocalApiToken(session.home);
    if (token.source === 'file') {
      out.line(
        `API token for tenant '${token.tenant}' (all roles) ${token.created ? 'created in' : 'in'} ${token.path}; call the API with`,
      );
      out.line(`  curl -H "Authorization: Bearer $(cat ${token.path})" ${serving.url}/api/runs`);
      out.line('(reports under /reports/ need the same Authorization header)');
      out.line(`The dashboard: ${serving.url}/ (sign in with the token in ${token.path})`);
    } else {
      out.line('API tokens: FACTORY_API_TOKENS');
      out.line(`The dashboard: ${serving.url}/ (sign in with one of those tokens)`);
    }
  }
  out.result({ url: serving.url }, () => undefined);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await commands.stop();
  await serving.close();
  await session.close();
  return 0;
}
