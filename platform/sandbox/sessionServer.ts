import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { LocalProcessSandbox, safeRelative } from './localProcessSandbox';
import type {
  SessionCodeExecutionRequest,
  SessionCodeExecutionResource,
  SessionCommand,
  SessionErrorResponse,
  SessionResourceFile,
} from './sessionProtocol';

/** A request the session refuses, answered with the documented error shape. */
class SessionRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parseCommand(body: Buffer): SessionCommand {
  let request: Partial<SessionCodeExecutionRequest>;
  let command: Partial<SessionCommand>;
  try {
    request = JSON.parse(body.toString('utf8')) as Partial<SessionCodeExecutionRequest>;
    command = JSON.parse(String(request.code)) as Partial<SessionCommand>;
  } catch {
    throw new SessionRequestError(400, 'InvalidRequest', 'the body and its code must be JSON');
  }
  if (request.executionType !== 'Synchronous' || request.codeInputType !== 'Inline') {
    throw new SessionRequestError(400, 'InvalidRequest', 'only Inline, Synchronous executions are served');
  }
  const valid =
    Array.isArray(command.argv) &&
    command.argv.length > 0 &&
    command.argv.every((arg) => typeof arg === 'string') &&
    [command.timeoutMs, command.cpuSeconds, command.maxOutputBytes].every(
      (n) => typeof n === 'number' && n > 0,
    );
  if (!valid) throw new SessionRequestError(400, 'InvalidRequest', 'code is not a command');
  return command as SessionCommand;
}

/**
 * The HTTP server a session image runs (docs/adr/0033): it receives the files of one run in its data folder
 * and executes one command over them with the local sandbox's limits (scrubbed environment, CPU time, wall
 * clock over the whole process group, capped output). The session around it supplies what a process on the
 * factory's machine cannot: Hyper-V isolation, no managed identity, no network egress.
 */
export function createSessionHandler(options: { dataFolder: string; sandbox?: LocalProcessSandbox }) {
  const sandbox = options.sandbox ?? new LocalProcessSandbox();
  mkdirSync(options.dataFolder, { recursive: true });

  async function upload(url: URL, req: IncomingMessage): Promise<SessionResourceFile> {
    // The platform's own multipart parser (undici's Request), rather than one of ours.
    const form = await new Request(url, {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body: await readBody(req),
    })
      .formData()
      .catch(() => {
        throw new SessionRequestError(400, 'InvalidRequest', 'expected multipart/form-data');
      });
    const file = form.get('file');
    if (!(file instanceof Blob) || !('name' in file)) {
      throw new SessionRequestError(400, 'InvalidRequest', 'the form has no file named "file"');
    }
    const directory = (url.searchParams.get('path') ?? '').replace(/^\/+/, '');
    let relative: string;
    try {
      relative = safeRelative(join(directory, String(file.name)));
    } catch (error) {
      throw new SessionRequestError(400, 'InvalidPath', (error as Error).message);
    }
    const content = Buffer.from(await file.arrayBuffer());
    const target = join(options.dataFolder, relative);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
    return {
      name: String(file.name),
      type: 'File',
      sizeInBytes: content.length,
      lastModifiedAt: new Date().toISOString(),
      directory: `/${directory}`,
    };
  }

  async function execute(url: URL, req: IncomingMessage): Promise<SessionCodeExecutionResource> {
    const command = parseCommand(await readBody(req));
    const result = await sandbox.run({
      workdir: options.dataFolder,
      command: command.argv,
      env: command.env,
      timeoutMs: command.timeoutMs,
      cpuSeconds: command.cpuSeconds,
      maxOutputBytes: command.maxOutputBytes,
    });
    return {
      id: randomUUID(),
      identifier: url.searchParams.get('identifier') ?? '',
      executionType: 'Synchronous',
      status: 'Succeeded',
      result: {
        stdout: result.stdout,
        stderr: result.stderr,
        executionResult: {
          exitCode: result.exitCode,
          signal: result.signal,
          timedOut: result.timedOut,
          outputTruncated: result.outputTruncated,
        },
        executionTimeInMilliseconds: Math.round(result.durationMs),
      },
    };
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://session');
    try {
      if (req.method === 'POST' && url.pathname === '/files') return send(res, 200, await upload(url, req));
      if (req.method === 'POST' && url.pathname === '/executions')
        return send(res, 200, await execute(url, req));
      throw new SessionRequestError(404, 'NotFound', `${req.method} ${url.pathname} is not served`);
    } catch (error) {
      const known = error instanceof SessionRequestError;
      const body: SessionErrorResponse = {
        error: {
          code: known ? error.code : 'ExecutionFailed',
          message: (error as Error).message,
        },
      };
      send(res, known ? error.status : 500, body);
    }
  };
}

/** Serves one session: the image's entry point (the pool's ingress target port). */
export function startSessionServer(port: number, dataFolder: string): Server {
  const handle = createSessionHandler({ dataFolder });
  return createServer((req, res) => void handle(req, res)).listen(port);
}

if (require.main === module) {
  startSessionServer(Number(process.env.PORT ?? 8080), process.env.SESSION_DATA_FOLDER ?? '/mnt/data');
}
