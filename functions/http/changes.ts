import { app } from '@azure/functions';
import * as df from 'durable-functions';
import { z } from 'zod';
import type { RunOptions } from '../../core/ports/runStore';
import { runIdPattern, runIdRule } from '../../platform/runs/runChecks';
import { incomingTraceparent } from '../../platform/telemetry';
import { maxVisionBytes, runOptionsSchema } from '../../runs/runOptions';
import { startChange } from '../../runs/startChange';
import { composition } from '../compositionRoot';
import { maxJsonBytes, parseJson, readBody, validate } from './body';
import { handle } from './handle';
import { validationProblem } from './problem';
import { callersRun, jsonResponse, runLinks } from './runAccess';
import { checkModel, idempotencyKeyPattern, runSummary } from './runs';

export const changeRequestBodySchema = z
  .object({
    request: z
      .string({ error: 'must be a string' })
      .refine((v) => v.trim().length > 0, 'must not be empty')
      .refine((v) => Buffer.byteLength(v) <= maxVisionBytes, `at most ${maxVisionBytes} bytes`),
    name: z.string().trim().min(1).max(200).optional(),
    runId: z.string().regex(runIdPattern, runIdRule).optional(),
    options: runOptionsSchema.optional(),
  })
  .strict();

/**
 * POST /api/runs/{runId}/changes: a change request for the product the run built, as JSON or as the Markdown
 * itself; starts the run that applies it (202), or returns the one an idempotency key already started (200).
 */
export const requestChangeHandler = handle('Runs.Start', async (call) => {
  const key = call.request.headers.get('idempotency-key') ?? undefined;
  if (key !== undefined && !idempotencyKeyPattern.test(key))
    throw validationProblem([{ field: 'Idempotency-Key', message: '1-200 visible ASCII characters' }]);
  const body = await readBody(
    call.request,
    { json: true, text: ['text/markdown', 'text/plain'] },
    Math.max(maxJsonBytes, maxVisionBytes + 1024),
  );
  if (!body)
    throw validationProblem([
      { field: 'request', message: 'required: send JSON {"request": "..."} or the change as text/markdown' },
    ]);
  const parsed = validate(
    changeRequestBodySchema,
    body.kind === 'json' ? parseJson(body.text) : { request: body.text },
  );
  const options = (parsed.options ?? runOptionsSchema.parse({})) as RunOptions;
  checkModel(call, options);
  const changed = await callersRun(call);
  const { doc, created } = await startChange(composition().ports, call.client(), {
    tenantId: changed.tenantId,
    of: changed.id,
    request: parsed.request,
    name: parsed.name,
    runId: parsed.runId,
    options,
    idempotencyKey: key,
    traceparent: incomingTraceparent(call.request.headers.get('traceparent')),
  });
  call.context.log(
    `change run ${doc.id} of ${changed.id} ${created ? 'started' : 'requested again'} by ${call.principal.subject}`,
  );
  const links = runLinks(call.origin, doc.id);
  return jsonResponse(
    created ? 202 : 200,
    { ...runSummary(call.origin, doc), options: doc.options, change: doc.change, created, links },
    { location: links.self },
  );
});

app.http('apiRequestChange', {
  route: 'runs/{runId}/changes',
  methods: ['POST'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: requestChangeHandler,
});
