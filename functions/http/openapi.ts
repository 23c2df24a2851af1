import { app } from '@azure/functions';
import { z } from 'zod';
import { maxVisionBytes } from '../../runs/runOptions';
import { givenLayout, startablePhases } from '../../runs/startFromPhase';
import { maxGivenBytes, maxGivenFiles } from '../../platform/runs/runSource';
import { apiRoles } from '../../platform/auth/principal';
import { maxPageSize, runIdPattern, runStatuses } from '../../platform/runs/runChecks';
import { approvalGates } from '../../core/phases';
import { approvalBodySchema } from './control';
import { handle } from './handle';
import { problemTypes, problemTypeUri } from './problem';
import { startRunBodySchema } from './runs';
import { changeRequestBodySchema } from './changes';

type Json = Record<string, unknown>;

/** Request schemas come from the same zod schemas the handlers validate with, so they cannot drift. */
function fromZod(schema: z.ZodType): Json {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  delete json.$schema;
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const json = (schema: Json, description: string, headers?: Json) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/json': { schema } },
});
const runIdParameter = {
  name: 'runId',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: runIdPattern.source },
};
const commonErrors = (...statuses: number[]) =>
  Object.fromEntries(
    [401, 403, ...statuses, 500].map((status) => [
      String(status),
      problem(
        {
          400: 'Invalid input: `errors` lists the failing fields',
          401: 'Missing or invalid credentials (`WWW-Authenticate: Bearer`)',
          403: 'The caller lacks the required app role',
          404: "No such run for the caller's tenant (runs of other tenants are reported the same way)",
          409: 'Conflict',
          413: 'Body or vision over the size limit',
          415: 'Unsupported content type',
          500: 'Unexpected error; quote `correlationId`',
        }[status] ?? 'Error',
      ),
    ]),
  );
const secured = (role: (typeof apiRoles)[number]) => ({
  security: [{ bearer: [] }],
  'x-required-role': role,
});

const linkSchema = {
  type: 'object',
  properties: Object.fromEntries(
    ['self', 'events', 'trace', 'artifacts', 'approvals', 'cancel'].map((k) => [
      k,
      { type: 'string', format: 'uri' },
    ]),
  ),
};

const runSummarySchema = {
  type: 'object',
  required: ['runId', 'name', 'status', 'createdAt', 'links'],
  properties: {
    runId: { type: 'string' },
    name: { type: 'string' },
    visionTitle: { type: 'string' },
    status: ref('RunStatus'),
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    iteration: { type: 'integer' },
    currentPhase: { type: ['string', 'null'] },
    links: { type: 'object', properties: { self: { type: 'string', format: 'uri' } } },
  },
};

/** The API's OpenAPI 3.1 document; a test checks it against every registered `app.http` route. */
export function openApiDocument(): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Software factory API',
      version: '1.0.0',
      description:
        'Start, watch, approve and cancel factory runs and read their artifacts. Every error is RFC 9457 ' +
        "`application/problem+json` with a `correlationId`. Each caller sees only its own tenant's runs.",
    },
    servers: [{ url: '/api' }],
    security: [{ bearer: [] }],
    paths: {
      '/runs': {
        post: {
          operationId: 'startRun',
          summary: 'Start a run from a vision, or from a later phase on given artifacts',
          ...secured('Runs.Start'),
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              schema: { type: 'string', maxLength: 200 },
              description:
                'The same key and body return the same run; the same key with another body is a 409.',
            },
            {
              name: 'traceparent',
              in: 'header',
              schema: { type: 'string' },
              description: "W3C trace context carried into the run's events.",
            },
            {
              name: 'name',
              in: 'query',
              schema: { type: 'string' },
              description: 'Text bodies only: the run name.',
            },
            {
              name: 'approvals',
              in: 'query',
              schema: { type: 'string' },
              description: `Text bodies only: comma-separated gates (${approvalGates.join(', ')}).`,
            },
            {
              name: 'iterations',
              in: 'query',
              schema: { type: 'integer' },
              description: 'Text bodies only.',
            },
            { name: 'model', in: 'query', schema: { type: 'string' }, description: 'Text bodies only.' },
          ],
          requestBody: {
            required: true,
            description: `A JSON run request, or the vision itself as Markdown or plain text (at most ${maxVisionBytes} bytes). With \`fromPhase\` (${startablePhases.join(', ')}) and \`artifacts\` (each \`{path, content}\`: ${givenLayout}; at most ${maxGivenFiles} files, ${maxGivenBytes} bytes) the run starts at that phase on the given architecture, refused with a 400 naming each missing or invalid artifact; the vision is then optional.`,
            content: {
              'application/json': { schema: ref('StartRunRequest') },
              'text/markdown': { schema: { type: 'string', maxLength: maxVisionBytes } },
              'text/plain': { schema: { type: 'string', maxLength: maxVisionBytes } },
            },
          },
          responses: {
            '202': json(ref('RunStarted'), 'Run started', {
              Location: { schema: { type: 'string', format: 'uri' } },
            }),
            '200': json(ref('RunStarted'), 'The run this idempotency key or run id already started', {
              Location: { schema: { type: 'string', format: 'uri' } },
            }),
            ...commonErrors(400, 409, 413, 415),
          },
        },
        get: {
          operationId: 'listRuns',
          summary: "The caller's runs, newest first",
          ...secured('Runs.Read'),
          parameters: [
            { name: 'status', in: 'query', schema: ref('RunStatus') },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: maxPageSize, default: 50 },
            },
            { name: 'continuationToken', in: 'query', schema: { type: 'string' } },
            {
              name: 'x-continuation-token',
              in: 'header',
              schema: { type: 'string' },
              description: 'Alternative to the query parameter.',
            },
          ],
          responses: {
            '200': json(ref('RunPage'), 'A page of runs', {
              'x-continuation-token': {
                schema: { type: 'string' },
                description: 'Present when there are more pages.',
              },
            }),
            ...commonErrors(400),
          },
        },
      },
      '/runs/{runId}': {
        get: {
          operationId: 'getRun',
          summary: 'A run: document, durable runtime status and progress',
          ...secured('Runs.Read'),
          parameters: [runIdParameter],
          responses: { '200': json(ref('Run'), 'The run'), ...commonErrors(400, 404) },
        },
      },
      '/runs/{runId}/events': {
        get: {
          operationId: 'getRunEvents',
          summary: "The run's CloudEvents, in order",
          ...secured('Runs.Read'),
          parameters: [runIdParameter],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  runId: { type: 'string' },
                  events: { type: 'array', items: ref('CloudEvent') },
                },
              },
              'Events',
            ),
            ...commonErrors(400, 404),
          },
        },
      },
      '/runs/{runId}/trace': {
        get: {
          operationId: 'getRunTrace',
          summary: 'Orchestrations and activity executions from the durable history',
          ...secured('Runs.Read'),
          parameters: [runIdParameter],
          responses: { '200': json(ref('Trace'), 'Trace'), ...commonErrors(400, 404) },
        },
      },
      '/runs/{runId}/artifacts': {
        get: {
          operationId: 'listArtifacts',
          summary: "The run's artifact manifest",
          ...secured('Runs.Read'),
          parameters: [
            runIdParameter,
            { name: 'kind', in: 'query', schema: { type: 'string' } },
            { name: 'phase', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  runId: { type: 'string' },
                  artifacts: { type: 'array', items: ref('Artifact') },
                },
              },
              'Artifacts',
            ),
            ...commonErrors(400, 404),
          },
        },
      },
      '/runs/{runId}/artifacts/{path}': {
        get: {
          operationId: 'getArtifact',
          summary: "An artifact's content, verified against its sha256",
          description:
            'The path may contain `/`. `..`, `.`, empty segments, backslashes, absolute paths, NUL and percent-escapes left after decoding are refused with 400.',
          ...secured('Runs.Read'),
          parameters: [
            runIdParameter,
            { name: 'path', in: 'path', required: true, schema: { type: 'string' } },
            { name: 'If-None-Match', in: 'header', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'The artifact, with its own content type',
              headers: {
                ETag: { schema: { type: 'string' }, description: 'The quoted sha256 of the content' },
              },
              content: {
                '*/*': { schema: { type: 'string', contentMediaType: 'application/octet-stream' } },
              },
            },
            '304': { description: 'Not modified (If-None-Match matched the ETag)' },
            ...commonErrors(400, 404),
          },
        },
      },
      '/runs/{runId}/approvals/{gate}': {
        post: {
          operationId: 'decideApproval',
          summary: 'Approve or reject a gate the run is waiting at',
          ...secured('Gates.Approve'),
          parameters: [
            runIdParameter,
            { name: 'gate', in: 'path', required: true, schema: { type: 'string', enum: approvalGates } },
          ],
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('ApprovalRequest') } },
          },
          responses: {
            '202': json(
              {
                type: 'object',
                properties: {
                  runId: { type: 'string' },
                  gate: { type: 'string' },
                  decision: { type: 'string' },
                  accepted: { type: 'boolean' },
                  links: linkSchema,
                },
              },
              'Decision delivered',
            ),
            ...commonErrors(400, 404, 409, 415),
          },
        },
      },
      '/runs/{runId}/cancel': {
        post: {
          operationId: 'cancelRun',
          summary: 'Cancel a run',
          ...secured('Runs.Start'),
          parameters: [runIdParameter],
          requestBody: {
            required: false,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  properties: { reason: { type: 'string', maxLength: 500 } },
                  additionalProperties: false,
                },
              },
            },
          },
          responses: {
            '200': json(
              {
                type: 'object',
                properties: {
                  runId: { type: 'string' },
                  status: ref('RunStatus'),
                  failure: { type: ['object', 'null'] },
                  links: linkSchema,
                },
              },
              'The run, now Terminated (or as it ended)',
            ),
            ...commonErrors(400, 404, 415),
          },
        },
      },
      '/runs/{runId}/changes': {
        post: {
          operationId: 'requestChange',
          summary: 'Change the product a completed run built',
          description:
            "Starts a run that applies the change request to the run's product: the run's vision with the change as its last section, its databases moved to the new version with their rows kept (front matter `allowDataLoss: true` allows dropping data; `backfill: { Entity.attribute: value }` fills a new required attribute in rows written before), deployed over the running version.",
          ...secured('Runs.Start'),
          parameters: [
            runIdParameter,
            {
              name: 'Idempotency-Key',
              in: 'header',
              schema: { type: 'string', maxLength: 200 },
              description: 'The same key and body return the same change run.',
            },
          ],
          requestBody: {
            required: true,
            description: `A JSON change request, or the change itself as Markdown or plain text (at most ${maxVisionBytes} bytes).`,
            content: {
              'application/json': { schema: ref('ChangeRequest') },
              'text/markdown': { schema: { type: 'string', maxLength: maxVisionBytes } },
              'text/plain': { schema: { type: 'string', maxLength: maxVisionBytes } },
            },
          },
          responses: {
            '202': json(ref('RunStarted'), 'The change run started', {
              Location: { schema: { type: 'string', format: 'uri' } },
            }),
            '200': json(ref('RunStarted'), 'The change run this idempotency key already started', {
              Location: { schema: { type: 'string', format: 'uri' } },
            }),
            ...commonErrors(400, 404, 409, 413, 415),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'health',
          summary: 'Dependencies and their state',
          security: [],
          responses: {
            '200': json(ref('Health'), 'Every dependency answered'),
            '503': json(ref('Health'), 'A dependency is down'),
          },
        },
      },
      '/me': {
        get: {
          operationId: 'getMe',
          summary: 'The caller: subject, tenant and app roles',
          ...secured('Runs.Read'),
          responses: {
            '200': json(
              {
                type: 'object',
                required: ['subject', 'tenantId', 'roles'],
                properties: {
                  subject: { type: 'string' },
                  tenantId: { type: 'string' },
                  roles: { type: 'array', items: { type: 'string', enum: [...apiRoles] } },
                },
              },
              'The caller',
            ),
            ...commonErrors(),
          },
        },
      },
      '/runs/{runId}/stream': {
        get: {
          operationId: 'streamRun',
          summary:
            'Server-Sent Events: `cloudevent` (each event once, `id` = its position), `run` (the run as GET /runs/{runId} shows it, on each change), `end`',
          description:
            'A response stays open for at most 30 s; the client reconnects with `Last-Event-ID` and gets only the events it has not seen.',
          ...secured('Runs.Read'),
          parameters: [
            runIdParameter,
            {
              name: 'Last-Event-ID',
              in: 'header',
              required: false,
              schema: { type: 'string', pattern: '^\\d{1,9}$' },
            },
          ],
          responses: {
            '200': {
              description: 'The event stream',
              content: { 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...commonErrors(400, 404),
          },
        },
      },
      '/dashboard/{path}': {
        get: {
          operationId: 'dashboard',
          summary: "The dashboard's page, script and styles (no data; the page calls the API as the person)",
          security: [],
          parameters: [{ name: 'path', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': {
              description: 'The file',
              content: {
                'text/html': { schema: { type: 'string' } },
                'text/javascript': { schema: { type: 'string' } },
                'text/css': { schema: { type: 'string' } },
              },
            },
            '404': problem('No such file'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApi',
          summary: 'This document',
          security: [],
          responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1 document') },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            `In Azure: an Entra ID access token for the API's app registration, validated by App Service Authentication; ` +
            `the tenant is the token's tid claim and the app roles (${apiRoles.join(', ')}) its roles claim. ` +
            'Locally (`factory serve`): a token from FACTORY_API_TOKENS or FACTORY_HOME/api-token.',
        },
      },
      schemas: {
        RunStatus: { type: 'string', enum: [...runStatuses] },
        // A vision, or a phase with the artifacts given in place of the earlier phases' (the validator's refinement).
        StartRunRequest: {
          ...fromZod(startRunBodySchema),
          anyOf: [{ required: ['vision'] }, { required: ['fromPhase', 'artifacts'] }],
        },
        ChangeRequest: fromZod(changeRequestBodySchema),
        ApprovalRequest: fromZod(approvalBodySchema),
        FieldError: {
          type: 'object',
          required: ['field', 'message'],
          properties: { field: { type: 'string' }, message: { type: 'string' } },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'correlationId'],
          properties: {
            type: {
              type: 'string',
              enum: Object.keys(problemTypes).map((slug) =>
                problemTypeUri(slug as keyof typeof problemTypes),
              ),
            },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            correlationId: { type: 'string' },
            errors: { type: 'array', items: ref('FieldError') },
          },
        },
        RunStarted: {
          allOf: [
            runSummarySchema,
            {
              type: 'object',
              properties: {
                created: { type: 'boolean' },
                options: { type: 'object' },
                fromPhase: { type: 'string', description: 'The phase a run on given artifacts started at.' },
                links: linkSchema,
              },
            },
          ],
        },
        RunSummary: runSummarySchema,
        RunPage: {
          type: 'object',
          properties: {
            items: { type: 'array', items: ref('RunSummary') },
            continuationToken: { type: ['string', 'null'] },
            next: { type: ['string', 'null'], format: 'uri' },
          },
        },
        Run: {
          type: 'object',
          required: ['runId', 'status', 'phases', 'links'],
          properties: {
            runId: { type: 'string' },
            name: { type: 'string' },
            visionTitle: { type: 'string' },
            status: ref('RunStatus'),
            failure: {
              type: ['object', 'null'],
              properties: { reason: { type: 'string' }, message: { type: 'string' } },
            },
            createdAt: { type: 'string', format: 'date-time' },
            updatedAt: { type: 'string', format: 'date-time' },
            options: { type: 'object' },
            iteration: { type: 'integer' },
            currentPhase: { type: ['string', 'null'] },
            progress: { description: "The running phase's (or the run's) durable custom status" },
            durable: { type: ['object', 'null'] },
            phases: { type: 'array', items: { type: 'object' } },
            phaseAttempts: { type: 'array', items: { type: 'object' } },
            gates: { type: 'array', items: { type: 'object' } },
            approvals: { type: 'array', items: { type: 'object' } },
            counters: { type: 'object' },
            artifactCount: { type: 'integer' },
            links: linkSchema,
          },
        },
        CloudEvent: {
          type: 'object',
          required: ['specversion', 'id', 'source', 'type', 'subject', 'time', 'data'],
          properties: {
            specversion: { const: '1.0' },
            id: { type: 'string' },
            source: { type: 'string' },
            type: { type: 'string' },
            subject: { type: 'string' },
            time: { type: 'string', format: 'date-time' },
            phase: { type: 'string' },
            data: { type: 'object' },
            published: { type: 'boolean' },
          },
        },
        Trace: {
          type: 'object',
          properties: {
            runId: { type: 'string' },
            orchestrations: { type: 'array', items: { type: 'object' } },
            activities: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  instanceId: { type: 'string' },
                  name: { type: 'string' },
                  taskId: { type: ['integer', 'null'] },
                  scheduledAt: { type: ['string', 'null'] },
                  endedAt: { type: ['string', 'null'] },
                  durationMs: { type: ['number', 'null'] },
                  outcome: { type: 'string', enum: ['completed', 'failed', 'running'] },
                  error: { type: ['string', 'null'] },
                },
              },
            },
            events: { type: 'array', items: { type: 'object' } },
            totals: { type: 'object' },
            truncated: { type: 'boolean' },
          },
        },
        Artifact: {
          type: 'object',
          properties: {
            path: { type: 'string' },
            kind: { type: 'string' },
            phase: { type: 'string' },
            agent: { type: 'string' },
            contentType: { type: 'string' },
            bytes: { type: 'integer' },
            sha256: { type: 'string' },
            url: { type: 'string', format: 'uri' },
          },
        },
        Health: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['healthy', 'unhealthy'] },
            checks: {
              type: 'object',
              additionalProperties: {
                type: 'object',
                properties: {
                  adapter: { type: 'string' },
                  ok: { type: 'boolean' },
                  ms: { type: 'number' },
                  probe: { type: 'string' },
                  error: { type: 'string' },
                },
              },
            },
          },
        },
      },
    },
  };
}

/** GET /api/openapi.json (anonymous). */
export const openApiHandler = handle('anonymous', async () => ({
  status: 200,
  headers: { 'cache-control': 'no-cache' },
  jsonBody: openApiDocument(),
}));

app.http('apiOpenApi', {
  route: 'openapi.json',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: openApiHandler,
});
