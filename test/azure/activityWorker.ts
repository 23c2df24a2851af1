/**
 * One activity execution in a process of its own, as a Functions instance that shares no disk with the others
 * would run it: reads `{ name, input }` on stdin, loads the compiled Functions app exactly as the worker loads its
 * entry point, invokes the registered activity and writes `{ result }` or `{ error }` as the last stdout line.
 */
import { installFunctionsCore } from '../../local/durableHost/functionsCore';
import { invocationContextFor } from '../../local/httpDispatcher';
import { flushTelemetry } from '../../platform/telemetry';

export const resultMarker = '@@activity-result ';

async function main(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const { name, input } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    name: string;
    input: unknown;
  };
  // Libraries that print to stdout must not be taken for the result.
  console.log = console.error;
  const registry = installFunctionsCore();
  require('../../functions');
  const registration = registry.require(name, 'activityTrigger');
  const context = invocationContextFor(registration, (level, message) =>
    process.stderr.write(`[${level}] ${message}\n`),
  );
  let line: string;
  try {
    const result = await registration.handler(input, context);
    line = JSON.stringify({ result: result === undefined ? null : result });
  } catch (error) {
    const failure = error as Error;
    line = JSON.stringify({ error: { name: failure.name, message: failure.message, stack: failure.stack } });
  }
  // An instance can be removed once its invocation ends: what it recorded is sent first.
  await flushTelemetry();
  process.stdout.write(`\n${resultMarker}${line}\n`, () => process.exit(0));
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`activity worker failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  });
}
