import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FunctionRegistration } from './durableHost/registry';

interface Route {
  registration: FunctionRegistration;
  methods: string[];
  pattern: RegExp;
  names: string[];
}

/** Route templates as the Functions host reads them: `runs/{runId}`, optional `{id?}`, catch-all `{*path}`. */
export function compileRoute(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const match = /^\{(\*?)([A-Za-z0-9_]+)(?::[^}?]+)?(\?)?\}$/.exec(segment);
      if (!match) return '/' + segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(match[2]);
      if (match[1]) return '(?:/(.*))?';
      return match[3] ? '(?:/([^/]+))?' : '/([^/]+)';
    })
    .join('');
  return { pattern: new RegExp(`^${source}/?$`, 'i'), names };
}

/**
 * Serves the registered `app.http` functions the way the Functions host does: route prefix `api`, route
 * templates, `HttpRequest` in, `HttpResponse` (or its init object) out, with durable client bindings filled.
 */
export class HttpDispatcher {
  private readonly routes: Route[];

  constructor(
    registrations: FunctionRegistration[],
    private readonly fillInputs: (registration: FunctionRegistration, context: InvocationContext) => void,
    private readonly log: (level: string, message: string) => void = () => undefined,
    private readonly routePrefix = 'api',
  ) {
    this.routes = registrations
      .filter((r) => r.triggerType === 'httpTrigger')
      .map((registration) => {
        const trigger = registration.bindings[registration.triggerName] as {
          route?: string;
          methods?: string[];
        };
        const template = `${this.routePrefix}/${trigger.route ?? registration.name}`;
        return {
          registration,
          methods: (trigger.methods ?? ['GET', 'POST']).map((m) => m.toUpperCase()),
          ...compileRoute(template),
        };
      })
      // Literal routes win over parameterised ones, as in the Functions host.
      .sort((a, b) => a.names.length - b.names.length);
  }

  /**
   * Returns false when no function matches the path, so the caller can serve something else. `origin` is the
   * server's own (configured, or the address it listens on), never taken from the request.
   */
  async dispatch(req: IncomingMessage, res: ServerResponse, body: Buffer, origin: string): Promise<boolean> {
    // Only the path and query come from the request target: an absolute-form (`http://other/...`) or
    // protocol-relative (`//other/...`) target must not put another origin into the request URL handlers see.
    const target = new URL(req.url ?? '/', 'http://request-target.invalid');
    const url = new URL(`${origin}${target.pathname}${target.search}`);
    const path = decodeURIComponentSafe(url.pathname);
    const candidates = this.routes.filter((route) => route.pattern.test(path));
    if (candidates.length === 0) return false;
    const route = candidates.find((r) => r.methods.includes(req.method ?? 'GET'));
    if (!route) {
      res.writeHead(405, {
        'content-type': 'application/problem+json',
        allow: [...new Set(candidates.flatMap((c) => c.methods))].join(', '),
      });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Method Not Allowed',
          status: 405,
          detail: `${req.method} is not allowed on ${url.pathname}`,
        }),
      );
      return true;
    }
    const match = route.pattern.exec(path)!;
    const params: Record<string, string> = {};
    route.names.forEach((name, i) => {
      if (match[i + 1] !== undefined) params[name] = match[i + 1];
    });
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    const request = new HttpRequest({
      method: req.method ?? 'GET',
      url: url.toString(),
      headers,
      query: Object.fromEntries(url.searchParams.entries()),
      params,
      body: body.length ? { bytes: body } : undefined,
    });
    const registration = route.registration;
    const context = invocationContextFor(registration, this.log);
    this.fillInputs(registration, context);
    let result: unknown;
    try {
      result = await registration.handler(request, context);
    } catch (error) {
      // The Functions host answers an unhandled exception with a bare 500; handlers are expected to catch.
      context.error(`unhandled error in ${registration.name}:`, error);
      res.writeHead(500, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Internal Server Error',
          status: 500,
          instance: context.invocationId,
        }),
      );
      return true;
    }
    await writeResponse(
      res,
      result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as HttpResponseInit),
    );
    return true;
  }
}

export function invocationContextFor(
  registration: FunctionRegistration,
  log?: (level: string, message: string) => void,
): InvocationContext {
  const trigger = registration.bindings[registration.triggerName];
  const extraInputs = Object.entries(registration.bindings)
    .filter(([name, b]) => name !== registration.triggerName && b.direction === 'in')
    .map(([name, b]) => ({ ...b, name, type: b.type }));
  const extraOutputs = Object.entries(registration.bindings)
    .filter(([name, b]) => name !== '$return' && b.direction === 'out')
    .map(([name, b]) => ({ ...b, name, type: b.type }));
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName: registration.name,
    logHandler: (level, ...args) => log?.(level, `[${registration.name}] ${args.map(String).join(' ')}`),
    options: {
      trigger: { ...trigger, name: registration.triggerName, type: registration.triggerType },
      extraInputs,
      extraOutputs,
    },
  });
}

async function writeResponse(res: ServerResponse, response: HttpResponse): Promise<void> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  res.writeHead(response.status, headers);
  if (!response.body) {
    res.end();
    return;
  }
  try {
    // pipeline, not pipe: a client that goes away cancels the body (a long stream stops being produced).
    await pipeline(Readable.fromWeb(response.body as never), res);
  } catch (error) {
    if (!res.destroyed) throw error;
  }
}

function decodeURIComponentSafe(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
