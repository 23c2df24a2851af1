/**
 * The Functions host of an Azure-shaped run, in a process of its own: it loads the compiled Functions app with the
 * app settings it is given (nothing else), runs orchestrations on the embedded durable host (whose state plays
 * the task hub), serves the HTTP triggers, listens to the command queue like the Service Bus extension, and runs
 * every activity in a separate process (`ActivityProcesses`). Usage: `node functionsHost.js APP_DIR WORKERS_DIR`;
 * prints `{"url": ...}` once it serves, writes the executions to WORKERS_DIR/executions.json when stopped (its stdin
 * ends).
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeFromSettings } from '../../functions/compositionRoot';
import { listenForCommands } from '../../local/commandListener';
import { serve } from '../../local/cli/commands/serve';
import { installFunctionsCore } from '../../local/durableHost/functionsCore';
import { FunctionRegistry } from '../../local/durableHost/registry';
import { EmbeddedFactory } from '../../local/embeddedFactory';
import { flushTelemetry } from '../../platform/telemetry';
import { ActivityProcesses } from './activityProcesses';

async function main(): Promise<void> {
  const [appDir, workersDir] = process.argv.slice(2);
  const log = (level: string, message: string) => process.stderr.write(`[host ${level}] ${message}\n`);
  const workerEnv = { ...process.env };
  delete workerEnv.HOME;
  delete workerEnv.TMPDIR;
  const processes = new ActivityProcesses({ appDir, workersDir, env: workerEnv });

  const appRegistry = installFunctionsCore();
  require('../../functions');
  // The same functions, but each activity runs in a process of its own.
  const registry = new FunctionRegistry(appRegistry);
  for (const activity of appRegistry.byTrigger('activityTrigger')) {
    registry.register({ name: activity.name, bindings: activity.bindings }, (input) =>
      processes.run(activity.name, input),
    );
  }
  const composition = composeFromSettings(process.env, join(tmpdir(), 'task-hub'));
  const factory = await EmbeddedFactory.start({ composition, registry, log });
  const session = {
    factory,
    ports: composition.ports,
    tenantId: 'none',
    home: composition.home,
    close: async () => undefined,
  };
  const serving = await serve(session, 0);
  const commands = listenForCommands(factory, composition.ports, (message) => log('info', message));
  process.stdout.write(`${JSON.stringify({ url: serving.url })}\n`);

  // Stopped when its stdin ends: signals to the sandbox's bubblewrap do not reach this process.
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await serving.close();
      await commands.stop();
      await factory.stop();
      await composition.ports.close();
      await flushTelemetry();
      writeFileSync(join(workersDir, 'executions.json'), JSON.stringify(processes.executions, null, 2));
      process.exit(0);
    })();
  };
  process.stdin.on('end', stop).resume();
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`functions host failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(2);
});
