import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InstanceExistsError, PayloadTooLargeError, type DurableHost } from './durableHost';
import { UnknownFunctionError } from './registry';

export const taskHubName = 'FactoryHub';
const webhookPrefix = '/runtime/webhooks/durabletask/';

/**
 * The Durable Functions extension's HTTP API (the one `df.getClient()`'s DurableClient calls through
 * `rpcBaseUrl`, and the `statusQueryGetUri` family that `createCheckStatusResponse` hands out), served by the
 * embedded host, so the durable client behaves as it does in Azure.
 */
export function handleClientApi(
  host: DurableHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: string,
): void {
  const url = new URL(path, 'http://localhost');
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(data === undefined ? '' : JSON.stringify(data));
  };
  try {
    if (req.method === 'POST' && parts[0] === 'orchestrators' && parts[1]) {
      const input = body ? JSON.parse(body) : undefined;
      const id = host.startNew(parts[1], { instanceId: parts[2], input });
      return send(202, { id });
    }
    if (parts[0] !== 'instances') return send(404, { message: `unknown durable API path ${url.pathname}` });
    const id = parts[1];
    if (req.method === 'GET' && id) {
      const status = host.getStatus(id, {
        showHistory: url.searchParams.get('showHistory') === 'true',
        showInput: url.searchParams.get('showInput') !== 'false',
      });
      if (!status) return send(404, { message: `no instance ${id}` });
      const code = status.runtimeStatus === 'Running' || status.runtimeStatus === 'Pending' ? 202 : 200;
      return send(code, status);
    }
    if (req.method === 'GET') {
      const statuses = url.searchParams.get('runtimeStatus')?.split(',').filter(Boolean);
      return send(
        200,
        host.listInstances({
          statuses,
          createdFrom: url.searchParams.get('createdTimeFrom') ?? undefined,
          createdTo: url.searchParams.get('createdTimeTo') ?? undefined,
        }),
      );
    }
    if (req.method === 'POST' && id && parts[2] === 'raiseEvent' && parts[3]) {
      const outcome = host.raiseEvent(id, parts[3], body ? JSON.parse(body) : undefined);
      return send(outcome === 'raised' ? 202 : outcome === 'gone' ? 410 : 404);
    }
    if (req.method === 'POST' && id && parts[2] === 'terminate') {
      const outcome = host.terminate(id, url.searchParams.get('reason') ?? 'terminated');
      return send(outcome === 'terminated' ? 202 : outcome === 'gone' ? 410 : 404);
    }
    if (req.method === 'DELETE' && id) {
      const purged = host.purge(id);
      return send(purged ? 200 : 404, { instancesDeleted: purged });
    }
    return send(405, { message: `${req.method} ${url.pathname} is not supported` });
  } catch (error) {
    const status =
      error instanceof UnknownFunctionError
        ? 404
        : error instanceof InstanceExistsError
          ? 409
          : error instanceof PayloadTooLargeError
            ? 413
            : error instanceof SyntaxError
              ? 400
              : 500;
    return send(status, { message: (error as Error).message });
  }
}

export function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(Object.assign(new Error(`request body over ${limit} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A loopback server for the durable client API alone. */
export async function startClientApiServer(
  host: DurableHost,
  port = 0,
): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const path = (req.url ?? '/').startsWith(webhookPrefix)
          ? (req.url ?? '/').slice(webhookPrefix.length - 1)
          : (req.url ?? '/');
        handleClientApi(host, req, res, path, body.toString('utf8'));
      })
      .catch((error: Error & { status?: number }) => {
        res.writeHead(error.status ?? 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: error.message }));
      });
  });
  // As `factory serve`: the client's idle connections expire before the server's, never the other way round.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${actual}` };
}

/** The durable client binding data the Functions host gives a `durableClient` input, pointing at `origin`. */
export function durableClientBindingData(origin: string) {
  const webhook = `${origin}${webhookPrefix}`;
  const query = `taskHub=${taskHubName}&connection=Storage`;
  return {
    taskHubName,
    creationUrls: {
      createNewInstancePostUri: `${webhook}orchestrators/{functionName}[/{instanceId}]?${query}`,
      createAndWaitOnNewInstancePostUri: `${webhook}orchestrators/{functionName}[/{instanceId}]?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&${query}`,
    },
    managementUrls: {
      id: 'INSTANCEID',
      statusQueryGetUri: `${webhook}instances/INSTANCEID?${query}`,
      sendEventPostUri: `${webhook}instances/INSTANCEID/raiseEvent/{eventName}?${query}`,
      terminatePostUri: `${webhook}instances/INSTANCEID/terminate?reason={text}&${query}`,
      rewindPostUri: `${webhook}instances/INSTANCEID/rewind?reason={text}&${query}`,
      purgeHistoryDeleteUri: `${webhook}instances/INSTANCEID?${query}`,
      restartPostUri: `${webhook}instances/INSTANCEID/restart?${query}`,
      suspendPostUri: `${webhook}instances/INSTANCEID/suspend?reason={text}&${query}`,
      resumePostUri: `${webhook}instances/INSTANCEID/resume?reason={text}&${query}`,
    },
    baseUrl: `${origin}/runtime/webhooks/durabletask`,
    requiredQueryStringParameters: query,
    rpcBaseUrl: webhook,
  };
}

export { webhookPrefix };
