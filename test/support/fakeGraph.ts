import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback stand-in for the Microsoft Graph v1.0 calls the API registration makes, built from their documented
 * requests and responses: application upsert by `uniqueName` (201 with the object, or 204), application update
 * (204), service principal get by `appId` and create (201), `/me`, and `appRoleAssignedTo` list (paged with
 * `@odata.nextLink`) and create (201). Errors have Graph's `{ error: { code, message } }` shape.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface GraphRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body?: Json;
}

export interface FakeGraphState {
  applications: Json[];
  servicePrincipals: Json[];
  assignments: Json[];
}

export class FakeGraph {
  readonly requests: GraphRequest[] = [];
  readonly state: FakeGraphState = { applications: [], servicePrincipals: [], assignments: [] };
  /** The signed-in user, as `/me` returns it. */
  readonly me = { id: randomUUID(), displayName: 'Deploying Person' };
  /** Answers this many of the next service principal creations with 404, as replication delays do. */
  replicationDelays = 0;
  url = '';
  private server?: Server;

  static async start(): Promise<FakeGraph> {
    const fake = new FakeGraph();
    fake.server = createServer((req, res) => void fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server!.listen(0, '127.0.0.1', resolve));
    fake.url = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server!.close(() => resolve()));
  }

  /** Requests that change something. */
  writes(): GraphRequest[] {
    return this.requests.filter((r) => r.method !== 'GET');
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const request: GraphRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      headers: req.headers,
      body: text ? (JSON.parse(text) as Json) : undefined,
    };
    this.requests.push(request);
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string) =>
      send(status, { error: { code, message } });
    if (!/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
      fail(401, 'InvalidAuthenticationToken', 'Access token is empty.');
      return;
    }
    const select = (object: Json) => {
      const fields = url.searchParams.get('$select')?.split(',');
      return fields
        ? Object.fromEntries(fields.filter((f) => f in object).map((f) => [f, object[f]]))
        : object;
    };
    const path = request.path;
    let m: RegExpExecArray | null;

    if ((m = /^\/v1\.0\/applications\(uniqueName='([^']+)'\)$/.exec(path))) {
      const app = this.state.applications.find((a) => a.uniqueName === m![1]);
      if (request.method === 'GET') {
        if (app) send(200, select(app));
        else fail(404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
        return;
      }
      if (request.method === 'PATCH') {
        if (app) {
          Object.assign(app, request.body);
          send(204);
        } else if (req.headers.prefer === 'create-if-missing') {
          if (!request.body?.displayName) return fail(400, 'Request_BadRequest', 'displayName is required.');
          const created = {
            id: randomUUID(),
            appId: randomUUID(),
            uniqueName: m[1],
            identifierUris: [],
            appRoles: [],
            api: {
              acceptMappedClaims: null,
              knownClientApplications: [],
              requestedAccessTokenVersion: null,
              oauth2PermissionScopes: [],
              preAuthorizedApplications: [],
            },
            spa: { redirectUris: [] },
            ...request.body,
          };
          this.state.applications.push(created);
          send(201, created);
        } else fail(404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
        return;
      }
    }

    if ((m = /^\/v1\.0\/applications\/([^/]+)$/.exec(path)) && request.method === 'PATCH') {
      const app = this.state.applications.find((a) => a.id === m![1]);
      if (!app) return fail(404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
      const body = request.body ?? {};
      // An enabled role or scope cannot be removed or changed in the same request that disables it.
      for (const role of app.appRoles as Json[]) {
        const next = (body.appRoles as Json[] | undefined)?.find((r) => r.id === role.id);
        if (body.appRoles && role.isEnabled && !next) {
          return fail(
            400,
            'CannotDeleteOrUpdateEnabledEntitlement',
            'Permission (scope or role) cannot be deleted or updated unless disabled first.',
          );
        }
      }
      const scopeIds = new Set(((app.api?.oauth2PermissionScopes ?? []) as Json[]).map((s) => s.id));
      for (const pre of (body.api?.preAuthorizedApplications ?? []) as Json[]) {
        for (const id of pre.delegatedPermissionIds as string[]) {
          if (!scopeIds.has(id)) {
            return fail(
              400,
              'InvalidPreAuthorizedAppPermission',
              `Permission ${id} does not exist on the application.`,
            );
          }
        }
      }
      for (const uri of (body.identifierUris ?? []) as string[]) {
        if (!/^api:\/\//.test(uri))
          return fail(
            400,
            'HostNameNotOnVerifiedDomain',
            `Values of identifierUris property must use a verified domain of the organization or its subdomain: '${uri}'`,
          );
      }
      // Graph's rule for single-page apps: https, or http only for localhost.
      for (const uri of (body.spa?.redirectUris ?? []) as string[]) {
        if (!/^(https:\/\/|http:\/\/localhost[:/])/.test(uri))
          return fail(
            400,
            'InvalidValue',
            `Invalid value specified for property 'redirectUris' of resource 'Application'.`,
          );
      }
      Object.assign(app, body);
      send(204);
      return;
    }

    if ((m = /^\/v1\.0\/servicePrincipals\(appId='([^']+)'\)$/.exec(path)) && request.method === 'GET') {
      const sp = this.state.servicePrincipals.find((s) => s.appId === m![1]);
      if (sp) send(200, select(sp));
      else fail(404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
      return;
    }

    if (path === '/v1.0/servicePrincipals' && request.method === 'POST') {
      const app = this.state.applications.find((a) => a.appId === request.body?.appId);
      if (!app || this.replicationDelays > 0) {
        this.replicationDelays = Math.max(0, this.replicationDelays - 1);
        return fail(404, 'Request_ResourceNotFound', `Resource '${request.body?.appId}' does not exist.`);
      }
      if (this.state.servicePrincipals.some((s) => s.appId === app.appId)) {
        return fail(409, 'Request_MultipleObjectsWithSameKeyValue', 'The service principal exists.');
      }
      const sp = { id: randomUUID(), appId: app.appId, appRoleAssignmentRequired: false, ...request.body };
      this.state.servicePrincipals.push(sp);
      send(201, sp);
      return;
    }

    if ((m = /^\/v1\.0\/servicePrincipals\/([^/]+)$/.exec(path)) && request.method === 'PATCH') {
      const sp = this.state.servicePrincipals.find((s) => s.id === m![1]);
      if (!sp) return fail(404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
      Object.assign(sp, request.body);
      send(204);
      return;
    }

    if (path === '/v1.0/me' && request.method === 'GET') {
      send(200, select(this.me));
      return;
    }

    if ((m = /^\/v1\.0\/servicePrincipals\/([^/]+)\/appRoleAssignedTo$/.exec(path))) {
      const sp = this.state.servicePrincipals.find((s) => s.id === m![1]);
      if (!sp) return fail(404, 'Request_ResourceNotFound', `Resource '${m[1]}' does not exist.`);
      const ofSp = this.state.assignments.filter((a) => a.resourceId === sp.id);
      if (request.method === 'GET') {
        // Two per page, so that the client has to follow @odata.nextLink.
        const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
        const page = ofSp.slice(skip, skip + 2).map(select);
        const next = new URL(url.href);
        next.searchParams.set('$skiptoken', String(skip + 2));
        send(200, { value: page, ...(skip + 2 < ofSp.length ? { '@odata.nextLink': next.href } : {}) });
        return;
      }
      if (request.method === 'POST') {
        const body = request.body ?? {};
        const app = this.state.applications.find((a) => a.appId === sp.appId)!;
        if (body.resourceId !== sp.id) return fail(400, 'Request_BadRequest', 'resourceId does not match.');
        if (!(app.appRoles as Json[]).some((r) => r.id === body.appRoleId && r.isEnabled)) {
          return fail(400, 'Request_BadRequest', 'Permission being assigned was not found on application');
        }
        if (ofSp.some((a) => a.principalId === body.principalId && a.appRoleId === body.appRoleId)) {
          return fail(400, 'Request_BadRequest', 'Permission being assigned already exists on the object');
        }
        const assignment = {
          id: randomUUID(),
          principalType: 'User',
          resourceDisplayName: app.displayName,
          createdDateTime: new Date().toISOString(),
          ...body,
        };
        this.state.assignments.push(assignment);
        send(201, assignment);
        return;
      }
    }

    fail(400, 'BadRequest', `Unsupported request ${request.method} ${path}`);
  }
}
