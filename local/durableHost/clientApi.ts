import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody, refuseRequest } from '../requestBody';
import { InstanceExistsError, PayloadTooLargeError, type DurableHost } from './durableHost';
import { UnknownFunctionError } from './registry';
import { newSystemKey, pathAfterSystemKey } from './systemKey';

export const taskHubName = 'FactoryHub';
const webhookPrefix = '/runtime/webhooks/durabletask/';

/**
 * The Durable Functions extension's HTTP API (the one `df.getClient()`'s DurableClient calls through
 * `rpcBaseUrl`), served by the embedded host, so the durable client behaves as it does in Azure. The caller has
 * already shown the system key.
 */
export function handleClientApi(
  host: DurableHost,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  body: string,
): void {
  const send = (status: number, data?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(data === undefined ? '' : JSON.stringify(data));
  };
  try {
    const url = new URL(path, 'http://localhost');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
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
            : error instanceof SyntaxError || error instanceof URIError
              ? 400
              : 500;
    return send(status, { message: (error as Error).message });
  }
}

export interface ClientApiServer {
  server: Server;
  baseUrl: string;
  /** The key every request's path starts with; only binding data built from it reaches the API. */
  systemKey: string;
}

/**
 * A loopback server for the durable client API alone. Loopback is not a boundary on a shared machine (the port
 * is listed in /proc/net/tcp), so a request without this process's system key is refused before its body is
 * read: 401 without a key, 403 with a wrong one.
 */
export async function startClientApiServer(host: DurableHost, port = 0): Promise<ClientApiServer> {
  const systemKey = newSystemKey();
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const keyed = pathAfterSystemKey(req.url ?? '/', systemKey, webhookPrefix);
    if (!keyed.ok) {
      return refuseRequest(req, res, {
        status: keyed.reason === 'missing' ? 401 : 403,
        title: keyed.reason === 'missing' ? 'Unauthorized' : 'Forbidden',
        detail: "the durable API answers only requests made with this host's binding data",
      });
    }
    readBody(req, res)
      .then((body) => {
        if (!body) return;
        const path = keyed.path.startsWith(webhookPrefix)
          ? keyed.path.slice(webhookPrefix.length - 1)
          : keyed.path;
        handleClientApi(host, req, res, path, body.toString('utf8'));
      })
      // The client went away mid-body: there is no one to answer.
      .catch(() => req.destroy());
  };
  const server = createServer(onRequest);
  // 100 Continue only once the key was shown (readBody sends it).
  server.on('checkContinue', onRequest);
  // As `factory serve`: the client's idle connections expire before the server's, never the other way round.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return { server, baseUrl: `http://127.0.0.1:${actual}`, systemKey };
}

/**
 * The durable client binding data the Functions host gives a `durableClient` input, pointing at `origin`. The
 * client makes every call through `rpcBaseUrl`, which carries the system key. The management URLs are the links
 * `createCheckStatusResponse` hands to HTTP callers, so they carry no key (off Azure the client points them at
 * localhost:7071 anyway).
 */
export function durableClientBindingData(origin: string, systemKey: string) {
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
    rpcBaseUrl: `${origin}/${systemKey}${webhookPrefix}`,
  };
}

export { webhookPrefix };
