// A process running a multi-step orchestration on the embedded host, for the crash test: it is SIGKILLed at
// arbitrary moments and started again. Each activity appends one line to a journal when its body has run.
import { installFunctionsCore } from '../../local/durableHost/functionsCore';
const registry = installFunctionsCore();
import * as df from 'durable-functions';
import type { OrchestrationContext } from 'durable-functions';
import { appendFileSync } from 'node:fs';
import { DurableHost } from '../../local/durableHost/durableHost';

const [, , mode, databaseFile, journal] = process.argv;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

df.app.activity('step', {
  handler: async (input: unknown) => {
    const { name } = input as { name: string };
    await sleep(40);
    appendFileSync(journal, `${name}\n`);
    return name;
  },
});

df.app.orchestration('crashSequence', function* (context: OrchestrationContext) {
  const done: string[] = [];
  for (let i = 1; i <= 6; i++)
    done.push((yield context.df.callActivity('step', { name: `s${i}` })) as string);
  const fan = [1, 2, 3, 4].map((i) => context.df.callActivity('step', { name: `f${i}` }));
  done.push(...((yield context.df.Task.all(fan)) as string[]));
  const child = (yield context.df.callSubOrchestrator(
    'crashChild',
    {},
    `${context.df.instanceId}:child`,
  )) as string[];
  done.push(...child);
  return done;
});

df.app.orchestration('crashChild', function* (context: OrchestrationContext) {
  const a = (yield context.df.callActivity('step', { name: 'c1' })) as string;
  const b = (yield context.df.callActivity('step', { name: 'c2' })) as string;
  return [a, b];
});

const host = new DurableHost({ registry, databaseFile, maxConcurrentActivities: 4 });
// A kill before the first start committed leaves nothing to resume: start then, as `factory run` would.
if (mode === 'start' || !host.getStatus('crash-1')) host.startNew('crashSequence', { instanceId: 'crash-1' });
host.start();
void host.waitForCompletion('crash-1').then((status) => {
  // Exit only once the status is flushed: stdout to a pipe is asynchronous.
  process.stdout.write(`${JSON.stringify(status)}\n`, () => process.exit(0));
});
