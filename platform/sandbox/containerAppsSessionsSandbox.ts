import { randomUUID } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TokenCredential } from '@azure/identity';
import { safeRelative } from './localProcessSandbox';
import type { Sandbox, SandboxFile, SandboxRequest, SandboxResult } from '../../core/ports/sandbox';
import {
  sessionsApiVersion,
  sessionsTokenScope,
  type SessionCodeExecutionRequest,
  type SessionCodeExecutionResource,
  type SessionCommand,
  type SessionErrorResponse,
} from './sessionProtocol';

export interface ContainerAppsSessionsSandboxOptions {
  /** The session pool's management endpoint, `https://<pool>.<environment id>.<region>.azurecontainerapps.io`. */
  endpoint: string;
  /** Identity holding "Azure ContainerApps Session Executor" on the pool. */
  credential: TokenCredential;
  /** The session image's Node.js, standing in for this process's own `process.execPath` in argv[0]. */
  node?: string;
  /** The session image's Chromium (`infra/sessions/Dockerfile` installs Debian's), if it has one. */
  browser?: string;
  /** Uploads in flight at once. */
  uploadConcurrency?: number;
  /** Time the execution request may take beyond the command's own limit (allocation, upload of the result). */
  graceMs?: number;
  /** Limit for each upload and for the delete, so that a pool that stops answering cannot hold a run forever. */
  requestTimeoutMs?: number;
}

/** A response of the sessions API that is not a success; carries the documented error code. */
export class SessionsApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`dynamic sessions ${status} ${code}: ${message}`);
    this.name = 'SessionsApiError';
  }
}

function cut(text: string, maxBytes: number): { text: string; cut: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length <= maxBytes
    ? { text, cut: false }
    : { text: bytes.subarray(0, maxBytes).toString('utf8'), cut: true };
}

/** The request's files, or the files under its workdir, with paths checked as the local adapter does. */
function filesOf(request: SandboxRequest): SandboxFile[] {
  const files: SandboxFile[] = [];
  if (request.workdir) {
    const root = request.workdir;
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const absolute = join(entry.parentPath, entry.name);
      files.push({ path: relative(root, absolute), content: readFileSync(absolute) });
    }
  }
  files.push(...(request.files ?? []));
  return files.map((file) => ({ ...file, path: safeRelative(file.path) }));
}

/**
 * Runs each request in a fresh Azure Container Apps dynamic session of a custom-container pool (Hyper-V
 * isolated, no managed identity inside, egress disabled; docs/adr/0033). Per run: a new random session
 * identifier, the files uploaded to the session's data folder, one synchronous execution of argv with the
 * limits, and the session deleted afterwards (the pool would also end it after its cooldown).
 * `{workdir}` is resolved inside the session, to the folder the command runs in.
 */
export class ContainerAppsSessionsSandbox implements Sandbox {
  readonly adapter = 'aca-sessions';
  readonly isolation =
    'isolated: a Hyper-V isolated Container Apps session per execution, no managed identity, egress disabled';
  private readonly base: string;

  /** The session's own Hyper-V isolation confines a browser with the rest of the command. */
  readonly browser?: string;

  constructor(private readonly options: ContainerAppsSessionsSandboxOptions) {
    this.base = options.endpoint.replace(/\/+$/, '');
    this.browser = options.browser;
  }

  async run(request: SandboxRequest): Promise<SandboxResult> {
    if (request.command.length === 0) throw new Error('sandbox command is empty');
    const files = filesOf(request);
    // Never derived from the tenant or run: an identifier that could be guessed or repeated would reach
    // another run's session.
    const identifier = `run-${randomUUID()}`;
    const started = performance.now();
    try {
      await this.upload(identifier, files);
      return await this.execute(identifier, request, started);
    } finally {
      await this.call('DELETE', '/session', identifier).catch(() => {
        // Best effort: an undeleted session is destroyed by the pool once its cooldown period has passed.
      });
    }
  }

  private async upload(identifier: string, files: SandboxFile[]): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < files.length) {
        const file = files[next++];
        const slash = file.path.lastIndexOf('/');
        const form = new FormData();
        form.append('file', new Blob([file.content]), file.path.slice(slash + 1));
        await this.call('POST', '/files', identifier, {
          body: form,
          query: { path: slash < 0 ? '/' : `/${file.path.slice(0, slash)}` },
        });
      }
    };
    const workers = Math.min(this.options.uploadConcurrency ?? 8, files.length);
    await Promise.all(Array.from({ length: workers }, worker));
  }

  private async execute(
    identifier: string,
    request: SandboxRequest,
    started: number,
  ): Promise<SandboxResult> {
    const [program, ...args] = request.command;
    const command: SessionCommand = {
      argv: [program === process.execPath ? (this.options.node ?? 'node') : program, ...args],
      env: request.env ?? {},
      timeoutMs: request.timeoutMs,
      cpuSeconds: request.cpuSeconds,
      maxOutputBytes: request.maxOutputBytes,
    };
    const body: SessionCodeExecutionRequest = {
      codeInputType: 'Inline',
      executionType: 'Synchronous',
      code: JSON.stringify(command),
      timeoutInSeconds: Math.ceil(request.timeoutMs / 1000),
    };
    let execution: SessionCodeExecutionResource;
    try {
      execution = (await this.call('POST', '/executions', identifier, {
        body: JSON.stringify(body),
        contentType: 'application/json',
        signal: AbortSignal.timeout(request.timeoutMs + (this.options.graceMs ?? 30_000)),
      })) as SessionCodeExecutionResource;
    } catch (error) {
      // No answer within the limit: the session is deleted in `run`, which ends whatever still runs in it.
      if ((error as Error).name !== 'TimeoutError') throw error;
      return {
        exitCode: null,
        signal: null,
        timedOut: true,
        stdout: '',
        stderr: '',
        durationMs: performance.now() - started,
        outputTruncated: false,
      };
    }
    if (execution.status !== 'Succeeded' || !execution.result?.executionResult) {
      const error = execution.error?.error;
      throw new SessionsApiError(200, error?.code ?? execution.status, error?.message ?? 'no result');
    }
    const { stdout, stderr, executionResult: outcome } = execution.result;
    // Cut here too: the limit holds whatever the session returns.
    const out = cut(stdout, request.maxOutputBytes);
    const err = cut(stderr, request.maxOutputBytes);
    return {
      exitCode: outcome.exitCode,
      signal: outcome.signal,
      timedOut: outcome.timedOut,
      stdout: out.text,
      stderr: err.text,
      durationMs: performance.now() - started,
      outputTruncated: outcome.outputTruncated || out.cut || err.cut,
    };
  }

  private async call(
    method: 'POST' | 'DELETE',
    path: string,
    identifier: string,
    init: {
      body?: FormData | string;
      contentType?: string;
      query?: Record<string, string>;
      signal?: AbortSignal;
    } = {},
  ): Promise<unknown> {
    const url = new URL(`${this.base}${path}`);
    url.searchParams.set('api-version', sessionsApiVersion);
    url.searchParams.set('identifier', identifier);
    for (const [name, value] of Object.entries(init.query ?? {})) url.searchParams.set(name, value);
    const token = await this.options.credential.getToken(sessionsTokenScope);
    if (!token) throw new Error(`no token for ${sessionsTokenScope}`);
    const send = () =>
      fetch(url, {
        method,
        headers: {
          authorization: `Bearer ${token.token}`,
          ...(init.contentType ? { 'content-type': init.contentType } : {}),
        },
        body: init.body,
        signal: init.signal ?? AbortSignal.timeout(this.options.requestTimeoutMs ?? 60_000),
        redirect: 'error',
      });
    // An upload or a delete may be sent again: the same file lands in the same place, a session ends once. A
    // pooled connection the server closed while idle fails before the request reaches it; an execution is
    // never repeated, since it could have run.
    const repeatable = method === 'DELETE' || path === '/files';
    const response = await send().catch((error: unknown) => {
      if (repeatable && isConnectionReset(error)) return send();
      throw error;
    });
    const text = await response.text();
    if (!response.ok) {
      let error: SessionErrorResponse['error'] | undefined;
      try {
        error = (JSON.parse(text) as SessionErrorResponse).error;
      } catch {
        // Not the documented error shape (a gateway page); the status says enough.
      }
      throw new SessionsApiError(
        response.status,
        error?.code ?? response.statusText,
        error?.message ?? text.slice(0, 200),
      );
    }
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}

/** A request that failed because its connection was closed or reset under it (`fetch failed`, cause ECONNRESET). */
function isConnectionReset(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return (
    (error as Error | undefined)?.name === 'TypeError' &&
    ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(cause?.code ?? '')
  );
}
