import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthenticationError } from '../../kit/service/src/api/authentication';
import type { Route } from '../../kit/service/src/api/route';
import { createHttpServer } from '../../kit/service/src/api/server';
import { NotFoundError, RuleViolation, ValidationError } from '../../kit/service/src/domain/errors';
import { RepositoryUnavailableError } from '../../kit/service/src/infrastructure/faultyRepository';

const id = '00000000-0000-4000-8000-000000000001';
const units: string[] = [];
let failure: unknown;

/** A route table as generated services have, with handlers that say what they received or fail on demand. */
const routes: Route[] = [
  {
    method: 'GET',
    path: '/health',
    operationId: 'health',
    anonymous: true,
    handler: async (request) => ({ status: 200, body: { actor: request.actor ?? null } }),
  },
  {
    method: 'GET',
    path: '/v1/rooms',
    operationId: 'listRooms',
    handler: async (request) => ({ status: 200, body: [request.actor] }),
  },
  {
    method: 'POST',
    path: '/v1/rooms',
    operationId: 'createRoom',
    handler: async (request) => {
      if (failure) throw failure;
      return { status: 201, body: await request.body(), headers: { location: `/v1/rooms/${id}` } };
    },
  },
  {
    method: 'GET',
    path: '/v1/rooms/{id}',
    operationId: 'getRoom',
    handler: async (request) => ({ status: 200, body: { id: request.params.id } }),
  },
  {
    method: 'DELETE',
    path: '/v1/rooms/{id}',
    operationId: 'deleteRoom',
    handler: async () => ({ status: 204 }),
  },
];

let server: Server;
let origin = '';

beforeAll(async () => {
  server = createHttpServer(routes, {
    // The token check itself is tested with the kit's bearer authentication; this one knows one token.
    authenticate: async (authorization) => {
      if (authorization === undefined) throw new AuthenticationError('this operation needs a bearer token');
      if (authorization !== 'Bearer good') throw new AuthenticationError('not valid', 'invalid_token');
      return { subject: 'ada', roles: ['librarian'] };
    },
    maxBodyBytes: 64,
    unitOfWork: {
      run: async (work) => {
        units.push('begin');
        const result = await work();
        units.push('commit');
        return result;
      },
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  units.length = 0;
  failure = undefined;
});

async function call(
  method: string,
  path: string,
  body?: string,
  type = 'application/json',
  authorization: string | null = 'Bearer good',
) {
  const response = await fetch(`${origin}${path}`, {
    method,
    headers: {
      ...(authorization === null ? {} : { authorization }),
      ...(body === undefined ? {} : { 'content-type': type }),
    },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    allow: response.headers.get('allow'),
    location: response.headers.get('location'),
    challenge: response.headers.get('www-authenticate'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
  };
}

describe('service kit: the HTTP adapter of a route table', () => {
  it('routes by path template and method, a change in one unit of work, a read outside any', async () => {
    expect(await call('GET', `/v1/rooms/${id}`)).toMatchObject({ status: 200, body: { id } });
    expect(units).toEqual([]);
    const created = await call('POST', '/v1/rooms', '{"name":"Ada"}');
    expect(created).toMatchObject({ status: 201, body: { name: 'Ada' }, location: `/v1/rooms/${id}` });
    expect(units).toEqual(['begin', 'commit']);
    expect(await call('DELETE', `/v1/rooms/${id}`)).toMatchObject({ status: 204, body: undefined });
  });

  it('asks every route but the anonymous ones for a token (401 with a challenge) and hands on the actor', async () => {
    const actor = { subject: 'ada', roles: ['librarian'] };
    expect(await call('GET', '/v1/rooms')).toMatchObject({ status: 200, body: [actor] });
    const missing = await call('GET', '/v1/rooms', undefined, undefined, null);
    expect(missing).toMatchObject({ status: 401, challenge: 'Bearer', body: { title: 'Unauthorized' } });
    expect(missing.type).toMatch(/^application\/problem\+json/);
    const wrong = await call('POST', '/v1/rooms', '{}', undefined, 'Bearer bad');
    expect(wrong).toMatchObject({ status: 401, challenge: 'Bearer error="invalid_token"' });
    // Refused before the body is read or any unit of work starts.
    expect(units).toEqual([]);
    expect(await call('GET', '/health', undefined, undefined, null)).toMatchObject({
      status: 200,
      body: { actor: null },
    });
  });

  it('answers problem+json for unknown paths, other methods (with Allow) and ids that are not uuids', async () => {
    const missing = await call('GET', '/v1/desks');
    expect(missing).toMatchObject({ status: 404, body: { title: 'Not Found', status: 404 } });
    expect(missing.type).toMatch(/^application\/problem\+json/);
    expect(await call('PATCH', `/v1/rooms/${id}`, '{}')).toMatchObject({ status: 405, allow: 'GET, DELETE' });
    expect(await call('GET', '/v1/rooms/42')).toMatchObject({
      status: 400,
      body: { errors: [{ field: 'id', message: 'must be a uuid' }] },
    });
  });

  it('refuses bodies of another type (415), too large (413) or not JSON (400), committing nothing', async () => {
    expect((await call('POST', '/v1/rooms', 'name=Ada', 'text/plain')).status).toBe(415);
    expect(units).not.toContain('commit');
    units.length = 0;
    // A JSON body is read before the unit of work starts: a slow or oversized upload never holds a transaction.
    expect((await call('POST', '/v1/rooms', JSON.stringify({ name: 'x'.repeat(100) }))).status).toBe(413);
    expect((await call('POST', '/v1/rooms', '{"name":')).status).toBe(400);
    expect(units).toEqual([]);
  });

  it('maps what the layers below raise to statuses, naming a broken rule and hiding anything unknown', async () => {
    const rule = { id: 'room-rule-1', statement: 'Room names are unique.' };
    const cases: Array<[unknown, number, Record<string, unknown>]> = [
      [
        new ValidationError([{ field: 'name', message: 'is required' }]),
        400,
        { errors: [{ field: 'name' }] },
      ],
      [new NotFoundError('Room', id), 404, { title: 'Not Found' }],
      [new RuleViolation(rule, 409, 'Ada is taken'), 409, { title: 'Conflict', rule: 'room-rule-1' }],
      [
        new RuleViolation(rule, 422, 'too long'),
        422,
        { title: 'Unprocessable Content', rule: 'room-rule-1' },
      ],
      [new RuleViolation(rule, 403, 'only admins'), 403, { title: 'Forbidden', rule: 'room-rule-1' }],
      [new RepositoryUnavailableError('save'), 503, { title: 'Service Unavailable' }],
      [new Error('password=secret at db.internal'), 500, { detail: 'an unexpected error occurred' }],
    ];
    for (const [error, status, body] of cases) {
      failure = error;
      const reply = await call('POST', '/v1/rooms', '{}');
      expect(reply).toMatchObject({ status, body });
      expect(JSON.stringify(reply.body)).not.toContain('secret');
    }
  });
});
