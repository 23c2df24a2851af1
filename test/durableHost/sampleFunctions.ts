import { app, type HttpRequest, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import type { OrchestrationContext, OrchestrationHandler } from 'durable-functions';

/** Sample orchestrations exercising every host feature the factory uses, registered the way Azure sees them. */
export const calls: Record<string, number> = {};
const count = (name: string) => (calls[name] = (calls[name] ?? 0) + 1);
export const failures: Record<string, number> = {};

df.app.activity('hello', {
  handler: (name: unknown) => {
    count('hello');
    return `Hello ${String(name)}`;
  },
});
df.app.activity('double', {
  handler: (n: unknown) => {
    count('double');
    return (n as number) * 2;
  },
});
df.app.activity('flaky', {
  handler: (input: unknown) => {
    const { key, failTimes } = input as { key: string; failTimes: number };
    failures[key] = (failures[key] ?? 0) + 1;
    if (failures[key] <= failTimes) throw new Error(`flaky failure ${failures[key]} of ${key}`);
    return `ok after ${failures[key]}`;
  },
});
df.app.activity('boom', {
  handler: () => {
    throw new TypeError('the real reason');
  },
});

const sequence: OrchestrationHandler = function* (context: OrchestrationContext) {
  const a: string = yield context.df.callActivity('hello', 'Tokyo');
  context.df.setCustomStatus({ step: 'after-first' });
  const b: string = yield context.df.callActivity('hello', 'Seattle');
  return [a, b];
};
df.app.orchestration('sequence', sequence);

df.app.orchestration('fanOut', function* (context: OrchestrationContext) {
  const n = (context.df.getInput() as number) ?? 5;
  const tasks = [];
  for (let i = 1; i <= n; i++) tasks.push(context.df.callActivity('double', i));
  const results: number[] = yield context.df.Task.all(tasks);
  return results.reduce((s, x) => s + x, 0);
});

df.app.orchestration('retrying', function* (context: OrchestrationContext) {
  const input = context.df.getInput() as { key: string; failTimes: number; attempts: number };
  const retry = new df.RetryOptions(1000, input.attempts);
  retry.backoffCoefficient = 2;
  return yield context.df.callActivityWithRetry('flaky', retry, {
    key: input.key,
    failTimes: input.failTimes,
  });
});

df.app.orchestration('parent', function* (context: OrchestrationContext) {
  const children = [1, 2, 3].map((i) =>
    context.df.callSubOrchestrator('fanOut', i, `${context.df.instanceId}:child:${i}`),
  );
  const sums: number[] = yield context.df.Task.all(children);
  return sums;
});

df.app.orchestration('approval', function* (context: OrchestrationContext) {
  const deadline = new Date(context.df.currentUtcDateTime.getTime() + 60 * 60 * 1000);
  const timer = context.df.createTimer(deadline);
  const approval = context.df.waitForExternalEvent('Approval');
  context.df.setCustomStatus({ waiting: 'Approval' });
  const winner: unknown = yield context.df.Task.any([approval, timer]);
  if (winner === approval) {
    timer.cancel();
    return { decision: approval.result };
  }
  return { decision: 'timeout' };
});

df.app.orchestration('counter', function* (context: OrchestrationContext) {
  const n = context.df.getInput() as number;
  if (n >= 3) return n;
  yield context.df.callActivity('double', n);
  context.df.continueAsNew(n + 1);
  return undefined;
});

df.app.orchestration('failing', function* (context: OrchestrationContext) {
  yield context.df.callActivity('boom');
});

df.app.orchestration('callsUnknown', function* (context: OrchestrationContext) {
  yield context.df.callActivity('noSuchActivity');
});

df.app.orchestration('timerOnly', function* (context: OrchestrationContext) {
  yield context.df.createTimer(new Date(context.df.currentUtcDateTime.getTime() + 5 * 60 * 1000));
  return 'fired';
});

/** Switches the 'changing' orchestrator's code between two versions, to provoke a non-deterministic replay. */
export const behaviour = { variant: 'v1' as 'v1' | 'v2' };
df.app.orchestration('changing', function* (context: OrchestrationContext) {
  yield context.df.callActivity(behaviour.variant === 'v1' ? 'hello' : 'double', 1);
  yield context.df.waitForExternalEvent('go');
  return 'done';
});

df.app.activity('huge', { handler: () => 'x'.repeat(300 * 1024) });
df.app.orchestration('callsHuge', function* (context: OrchestrationContext) {
  return yield context.df.callActivity('huge');
});

// An HTTP starter as an app would write it: the durable client comes from the input binding.
app.http('startOrchestration', {
  route: 'orchestrators/{name}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const client = df.getClient(context);
    const body = await request.text();
    const id = await client.startNew(request.params.name, { input: body ? JSON.parse(body) : undefined });
    return client.createCheckStatusResponse(request, id);
  },
});
app.http('orchestrationStatus', {
  route: 'orchestrators/{id}/status',
  methods: ['GET'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    const status = await df.getClient(context).getStatus(request.params.id);
    return { jsonBody: status };
  },
});
app.http('raiseOrchestrationEvent', {
  route: 'orchestrators/{id}/events/{event}',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    await df.getClient(context).raiseEvent(request.params.id, request.params.event, await request.json());
    return { status: 202 };
  },
});
app.http('terminateOrchestration', {
  route: 'orchestrators/{id}/terminate',
  methods: ['POST'],
  extraInputs: [df.input.durableClient()],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    await df.getClient(context).terminate(request.params.id, 'stopped over HTTP');
    return { status: 202 };
  },
});
