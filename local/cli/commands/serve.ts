import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authMode, ensureLocalApiToken } from '../../../platform/auth';
import { readBody } from '../../durableHost/clientApi';
import { listenForCommands } from '../../commandListener';
import { reportResponse } from '../../../runs/report';
import { HttpDispatcher } from '../../httpDispatcher';
import { parse, positiveInt } from '../args';
import { Output } from '../output';
import { openSession, type Session } from '../session';

export interface Serving {
  url: string;
  close(): Promise<void>;
}

/** Serves the Functions app's HTTP triggers on loopback, as `func start` would. */
export async function serve(session: Session, port: number, host = '127.0.0.1'): Promise<Serving> {
  // The durable webhooks stay on the host's internal loopback server: they carry no tenant checks.
  const dispatcher = new HttpDispatcher(
    session.factory.registry.all(),
    session.factory.fillInputs,
    (level, message) => {
      if (level === 'error' || level === 'warning' || process.env.FACTORY_VERBOSE)
        process.stderr.write(`[${level}] ${message}\n`);
    },
  );
  const server = createServer((req, res) => {
    void (async () => {
      try {
        const body = await readBody(req, 1024 * 1024);
        const path = req.url ?? '/';
        const report = await reportResponse(req.method ?? 'GET', path, {
          ports: session.ports,
          tenantId: session.tenantId,
          host: session.factory.host,
        });
        if (report)
          return void res
            .writeHead(report.status, { 'content-type': report.contentType })
            .end(req.method === 'HEAD' ? undefined : report.body);
        if (await dispatcher.dispatch(req, res, body, `http://${req.headers.host ?? `${host}:${port}`}`))
          return;
        res.writeHead(404, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: 'Not Found',
            status: 404,
            detail: `no function serves ${req.method} ${path.split('?')[0]}`,
          }),
        );
      } catch (error) {
        const status = (error as { status?: number }).status ?? 400;
        if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: status === 413 ? 'Payload Too Large' : 'Bad Request',
            status,
            detail: (error as Error).message,
          }),
        );
      }
    })();
  });
  // Idle keep-alive connections stay open longer than clients keep them (undici: 4 s, proxies: up to 60 s), so a
  // client never sends a request on a connection the server is closing at that moment (a reset under load).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${host}:${address.port}`,
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
  const serving = await serve(
    session,
    positiveInt('port', values.port) ?? 7071,
    values.host ? String(values.host) : '127.0.0.1',
  );
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
    } else {
      out.line('API tokens: FACTORY_API_TOKENS');
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
