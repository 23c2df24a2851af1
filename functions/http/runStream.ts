import { app } from '@azure/functions';
import * as df from 'durable-functions';
import type { RunStatus } from '../../core/ports/runStore';
import { requireRun } from '../../runs/runCommands';
import { composition } from '../compositionRoot';
import { handle } from './handle';
import { ProblemError, validationProblem } from './problem';
import { noQuery, runView } from './run';
import { callersRun } from './runAccess';

const endedStatuses: readonly RunStatus[] = ['Completed', 'Failed', 'Rejected', 'Terminated'];

/**
 * How often a stream looks for changes, how long one response stays open before the client reconnects, and how
 * many streams one tenant may hold open on an instance (each reads the run store once a second).
 */
export const streamLimits = { pollMs: 1000, maxOpenMs: 30_000, retryMs: 2000, perTenant: 32 };

const openStreams = new Map<string, number>();

/** `Last-Event-ID`: the number of the run's events the client already has (each event's `id` is its position). */
function seenEvents(header: string | null): number {
  if (header === null || header === '') return 0;
  if (!/^\d{1,9}$/.test(header))
    throw validationProblem([
      { field: 'header.last-event-id', message: 'must be the id of an event this stream sent (a number)' },
    ]);
  return Number(header);
}

/**
 * GET /api/runs/{runId}/stream: Server-Sent Events for one run. `cloudevent` carries each of the run's CloudEvents
 * once, its `id` the event's position, so a client that reconnects with `Last-Event-ID` gets only what it missed;
 * `run` carries the run as `GET /api/runs/{runId}` shows it whenever that changes; `end` says the run has ended.
 * A response stays open for at most 30 s and the client reconnects (`retry`), which also bounds what a host that
 * buffers responses holds back.
 */
export const runStreamHandler = handle('Runs.Read', async (call) => {
  noQuery(call.request.query);
  const first = await callersRun(call);
  let seen = seenEvents(call.request.headers.get('last-event-id'));
  const tenant = first.tenantId;
  if ((openStreams.get(tenant) ?? 0) >= streamLimits.perTenant)
    throw new ProblemError(
      'too-many-requests',
      `this tenant already has ${streamLimits.perTenant} run streams open here; close one or try again later`,
      { headers: { 'retry-after': String(streamLimits.retryMs / 1000) } },
    );
  openStreams.set(tenant, (openStreams.get(tenant) ?? 0) + 1);
  const { ports } = composition();
  const encoder = new TextEncoder();
  let open = true;
  const release = () => {
    if (!open) return;
    open = false;
    openStreams.set(tenant, (openStreams.get(tenant) ?? 1) - 1);
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        if (open) controller.enqueue(encoder.encode(text));
      };
      const finish = () => {
        if (!open) return;
        release();
        controller.close();
      };
      const follow = async () => {
        send(`retry: ${streamLimits.retryMs}\n\n`);
        const deadline = Date.now() + streamLimits.maxOpenMs;
        let shown = '';
        let doc = first;
        while (open) {
          const events = await ports.runs.listEvents(doc.tenantId, doc.id);
          for (; seen < events.length; seen++)
            send(`id: ${seen + 1}\nevent: cloudevent\ndata: ${JSON.stringify(events[seen])}\n\n`);
          const view = await runView(call, doc);
          const text = JSON.stringify(view);
          if (text !== shown) send(`event: run\ndata: ${text}\n\n`);
          shown = text;
          const ended = endedStatuses.includes(view.status) && view.durable?.runtimeStatus !== 'Running';
          if (ended) send('event: end\ndata: {}\n\n');
          if (ended || Date.now() >= deadline) return finish();
          await new Promise((resolve) => setTimeout(resolve, streamLimits.pollMs));
          doc = await requireRun(ports, doc.tenantId, doc.id);
        }
      };
      follow().catch((error: unknown) => {
        // A client that has gone away while the stream was reading is no failure.
        if (!open) return;
        call.context.error(`[${call.correlationId}] run stream of ${first.id} failed:`, error);
        send(`event: error\ndata: ${JSON.stringify({ correlationId: call.correlationId })}\n\n`);
        finish();
      });
    },
    cancel() {
      release();
    },
  });
  return {
    status: 200,
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
    body,
  };
});

app.http('apiRunStream', {
  route: 'runs/{runId}/stream',
  methods: ['GET'],
  authLevel: 'anonymous',
  extraInputs: [df.input.durableClient()],
  handler: runStreamHandler,
});
