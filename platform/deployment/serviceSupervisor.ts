import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync } from 'node:fs';

/**
 * Keeps one deployed service running, as Container Apps or App Service would: the local target starts this
 * script (detached, so it leads the process group that `undeploy` signals) and it starts the service, appends its
 * output to the service's log and starts it again after a crash, on the port it first listened on, so its URL
 * does not change. A stop (SIGTERM, SIGINT) is passed on and ends both.
 *
 * Usage: node serviceSupervisor.js LOG_FILE SERVICE_DIR -- PROGRAM [ARGS...]
 */
const [logPath, dir, separator, program, ...args] = process.argv.slice(2);
const listening = /listening on port (\d+)/;
// Restarts wait longer after each crash in a row (1 s, 2 s, 4 s... at most 30 s); a service that stays up a
// minute is healthy again.
const maxBackoffMs = 30_000;
const healthyAfterMs = 60_000;

let port = process.env.PORT ?? '0';
let child: ChildProcess | undefined;
let stopping = false;
let crashes = 0;

function log(line: string): void {
  try {
    appendFileSync(logPath, `[supervisor] ${new Date().toISOString()} ${line}\n`);
  } catch {
    // The log's folder is gone with the deployment; there is no one left to tell.
  }
}

function start(): void {
  const started = Date.now();
  child = spawn(program, args, {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: port },
  });
  const keep = (chunk: Buffer) => {
    appendFileSync(logPath, chunk);
    const match = port === '0' ? listening.exec(chunk.toString('utf8')) : null;
    if (match) port = match[1];
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (error) => log(`could not start the service: ${error.message}`));
  child.on('exit', (code, signal) => {
    if (stopping) process.exit(0);
    // Its folder is gone (the deployment was deleted): nothing to start again.
    if (!existsSync(dir)) {
      log(
        `the service exited (${signal ?? `code ${code}`}) and its folder ${dir} is gone; not starting it again`,
      );
      process.exit(0);
    }
    crashes = Date.now() - started > healthyAfterMs ? 1 : crashes + 1;
    const delay = Math.min(maxBackoffMs, 1000 * 2 ** (crashes - 1));
    log(`the service exited (${signal ?? `code ${code}`}); starting it again on port ${port} in ${delay} ms`);
    setTimeout(start, delay);
  });
}

function stop(signal: NodeJS.Signals): void {
  stopping = true;
  if (!child || child.exitCode !== null || child.signalCode !== null) process.exit(0);
  child.kill(signal);
  // A service that ignores the signal is not waited for forever.
  setTimeout(() => process.exit(0), 10_000).unref();
}

if (separator !== '--' || !logPath || !dir || !program) {
  process.stderr.write('usage: node serviceSupervisor.js LOG_FILE SERVICE_DIR -- PROGRAM [ARGS...]\n');
  process.exit(2);
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
start();
