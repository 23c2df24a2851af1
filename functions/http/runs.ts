import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import {
  checkModelConfiguration,
  ModelConfigurationError,
  modelNames,
} from '../../agents/runtime/modelProviders';
import {
  defaultPageSize,
  maxPageSize,
  runIdPattern,
  runIdRule,
  runStatuses,
} from '../../platform/runs/runChecks';
import type { RunDocument, RunOptions, RunStatus } from '../../core/ports/runStore';
import { composition } from '../compositionRoot';
import { incomingTraceparent } from '../../platform/telemetry';
import { maxVisionBytes, runOptionsSchema } from '../../runs/runOptions';
import { startRequestedRun, type GivenFile } from '../../runs/startFromPhase';
import { checkRunSource, maxGivenBytes, runSourceFields } from '../../platform/runs/runSource';
import { maxJsonBytes, parseJson, readBody, validate } from './body';
import { handle, type ApiCall } from './handle';
import { ProblemError, validationProblem, type FieldError } from './problem';
import { jsonResponse, runLinks } from './runAccess';

/** Text bodies (`text/markdown`, `text/plain`) are the vision itself; these query parameters carry the rest. */
const textQueryKeys = ['name', 'approvals', 'iterations', 'model'] as const;
const textMediaTypes = ['text/markdown', 'text/plain'];

const visionSchema = z
  .string({ error: 'must be a string' })
  .refine((v) => v.trim().length > 0, 'must not be empty');

export const startRunBodySchema = z
  .object({
    vision: visionSchema.optional(),
    name: z.string().trim().min(1).max(200).optional(),
    runId: z.string().regex(runIdPattern, runIdRule).optional(),
    options: runOptionsSchema.optional(),
    ...runSourceFields,
  })
  .strict()
  .superRefine(checkRunSource);

export const idempotencyKeyPattern = /^[\x21-\x7e]{1,200}$/;

interface StartRequest {
  vision?: string;
  name?: string;
  runId?: string;
  options: RunOptions;
  from?: { phase: string; files: GivenFile[] };
}

function checkVisionSize(vision: unknown): void {
  if (typeof vision === 'string' && Buffer.byteLength(vision) > maxVisionBytes) {
    throw new ProblemError(
      'payload-too-large',
      `the vision is ${Buffer.byteLength(vision)} bytes; the limit is ${maxVisionBytes}`,
      {
        errors: [{ field: 'vision', message: `over ${maxVisionBytes} bytes` }],
      },
    );
  }
}

/** The model must exist and be configured here; what is missing in the configuration goes to the log only. */
export function checkModel(call: ApiCall, options: RunOptions): void {
  const problem = (message: string) => validationProblem([{ field: 'options.model', message }]);
  if (!modelNames().includes(options.model)) {
    throw problem(`unknown model '${options.model}' (available: ${modelNames().join(', ')})`);
  }
  try {
    checkModelConfiguration(options.model);
  } catch (error) {
    if (!(error instanceof ModelConfigurationError)) throw error;
    call.context.warn(`[${call.correlationId}] ${error.message}`);
    throw problem(`the model '${options.model}' is not configured on this server`);
  }
}

/** The run request from a JSON body, or from a Markdown/plain-text body with options in the query. */
async function startRequest(call: ApiCall): Promise<StartRequest> {
  const body = await readBody(
    call.request,
    { json: true, text: textMediaTypes },
    // Room for given artifacts, JSON-escaped, besides the vision (a run from a later phase); checked below.
    2 * maxGivenBytes,
  );
  if (!body)
    throw validationProblem([
      { field: 'vision', message: 'required: send JSON {"vision": "..."} or the vision as text/markdown' },
    ]);
  const query = call.request.query;
  if (body.kind === 'json') {
    const unexpected = [...query.keys()];
    if (unexpected.length) {
      throw validationProblem(
        unexpected.map((key) => ({
          field: `query.${key}`,
          message: 'not accepted with a JSON body; put it in the body',
        })),
      );
    }
    const json = parseJson(body.text);
    checkVisionSize((json as { vision?: unknown } | null)?.vision);
    const parsed = validate(startRunBodySchema, json);
    // Only a request that gives artifacts may be larger than a run request is otherwise.
    if (!parsed.artifacts && Buffer.byteLength(body.text) > maxJsonBytes)
      throw new ProblemError(
        'payload-too-large',
        `a run request is at most ${maxJsonBytes} bytes (with given artifacts, ${2 * maxGivenBytes})`,
      );
    return {
      vision: parsed.vision,
      name: parsed.name,
      runId: parsed.runId,
      options: (parsed.options ?? runOptionsSchema.parse({})) as RunOptions,
      ...(parsed.fromPhase ? { from: { phase: parsed.fromPhase, files: parsed.artifacts ?? [] } } : {}),
    };
  }
  checkVisionSize(body.text);
  const errors: FieldError[] = [...query.keys()]
    .filter((key) => !(textQueryKeys as readonly string[]).includes(key))
    .map((key) => ({
      field: `query.${key}`,
      message: `unknown parameter (accepted: ${textQueryKeys.join(', ')})`,
    }));
  if (errors.length) throw validationProblem(errors);
  const iterations = query.get('iterations');
  const candidate: Record<string, unknown> = {};
  if (query.has('approvals'))
    candidate.approvals = query
      .get('approvals')!
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean);
  if (iterations !== null)
    candidate.iterations = /^\d{1,3}$/.test(iterations) ? Number(iterations) : iterations;
  if (query.has('model')) candidate.model = query.get('model');
  const options = validate(runOptionsSchema, candidate) as RunOptions;
  const parsed = validate(startRunBodySchema, {
    vision: body.text,
    ...(query.has('name') ? { name: query.get('name') } : {}),
  });
  return { vision: parsed.vision, name: parsed.name, options };
}

export function runSummary(origin: string, doc: RunDocument) {
  return {
    runId: doc.id,
    name: doc.name,
    visionTitle: doc.visionTitle,
    status: doc.status,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    iteration: doc.iteration,
    currentPhase: doc.currentPhase ?? null,
    links: { self: runLinks(origin, doc.id).self },
  };
}

/** POST /api/runs: starts a run (202), or returns the run an idempotency key or run id already started (200). */
export const startRunHandler = handle('Runs.Start', async (call) => {
  const { tenantId, subject } = call.principal;
  const key = call.request.headers.get('idempotency-key') ?? undefined;
  if (key !== undefined && !idempotencyKeyPattern.test(key)) {
    throw validationProblem([{ field: 'Idempotency-Key', message: '1-200 visible ASCII characters' }]);
  }
  const request = await startRequest(call);
  checkModel(call, request.options);
  const { doc, created } = await startRequestedRun(composition().ports, call.client(), {
    ...request,
    tenantId,
    idempotencyKey: key,
    // The run continues the request's trace: the invocation's in Azure, the `traceparent` header locally.
    traceparent: incomingTraceparent(call.request.headers.get('traceparent')),
  });
  call.context.log(
    `run ${doc.id} ${created ? 'started' : 'requested again'} for tenant ${tenantId} by ${subject}`,
  );
  const links = runLinks(call.origin, doc.id);
  return jsonResponse(
    created ? 202 : 200,
    {
      ...runSummary(call.origin, doc),
      options: doc.options,
      ...(doc.fromPhase ? { fromPhase: doc.fromPhase } : {}),
      created,
      links,
    },
    { location: links.self },
  );
});

const listQuerySchema = z
  .object({
    status: z.enum(runStatuses as [RunStatus, ...RunStatus[]]).optional(),
    limit: z
      .string()
      .regex(/^\d{1,4}$/, `an integer from 1 to ${maxPageSize}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= maxPageSize, `an integer from 1 to ${maxPageSize}`)
      .optional(),
    continuationToken: z.string().min(1).max(4096).optional(),
  })
  .strict();

export const continuationHeader = 'x-continuation-token';

/** GET /api/runs: the caller's tenant's runs, newest first, a page at a time. */
export const listRunsHandler = handle('Runs.Read', async (call) => {
  const query = validate(listQuerySchema, Object.fromEntries(call.request.query.entries()));
  const header = call.request.headers.get(continuationHeader) ?? undefined;
  if (header !== undefined && (header.length === 0 || header.length > 4096)) {
    throw validationProblem([{ field: continuationHeader, message: 'must be a token from a previous page' }]);
  }
  const continuationToken = query.continuationToken ?? header;
  const limit = query.limit ?? defaultPageSize;
  let page;
  try {
    page = await composition().ports.runs.list(call.principal.tenantId, {
      status: query.status,
      limit,
      continuationToken,
    });
  } catch (error) {
    if (continuationToken && /continuation token/i.test((error as Error).message)) {
      throw validationProblem([
        { field: 'continuationToken', message: 'not a token from a previous page of this list' },
      ]);
    }
    throw error;
  }
  const next = page.continuationToken
    ? `${call.origin}/api/runs?${new URLSearchParams({ ...(query.status ? { status: query.status } : {}), limit: String(limit), continuationToken: page.continuationToken })}`
    : undefined;
  return jsonResponse(
    200,
    {
      items: page.items.map((doc) => runSummary(call.origin, doc)),
      continuationToken: page.continuationToken ?? null,
      next: next ?? null,
    },
    page.continuationToken ? { [continuationHeader]: page.continuationToken } : {},
  );
});

app.http('apiStartRun', {
  route: 'runs',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: startRunHandler,
});

app.http('apiListRuns', {
  route: 'runs',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: listRunsHandler,
});
