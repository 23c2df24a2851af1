/**
 * The wire shapes between the factory and a Container Apps dynamic session (see docs/adr/0033). The envelope
 * follows the documented dynamic sessions data-plane API (api-version 2025-10-02-preview): `POST /files`
 * (multipart, field `file`, query `path`), `POST /executions` (SessionCodeExecutionRequest →
 * SessionCodeExecutionResource), `DELETE /session`, each with the query parameters `api-version` and
 * `identifier`. In a custom-container pool the service forwards these paths to the session's container, whose
 * server (`sessionServer.ts`) gives `code` its meaning: a JSON `SessionCommand`, never a shell line.
 */
export const sessionsApiVersion = '2025-10-02-preview';

/** Token scope for the audience `https://dynamicsessions.io`. */
export const sessionsTokenScope = 'https://dynamicsessions.io/.default';

/** The documented identifier rule: 4 to 128 characters from this set. */
export const sessionIdentifierPattern = /^[A-Za-z0-9_|}{[\]:";'<>?/.,@#$%^&*()\-+=!~`]{4,128}$/;

/** What `code` carries in an execution request: argv and the limits of the port. */
export interface SessionCommand {
  argv: string[];
  env: Record<string, string>;
  timeoutMs: number;
  cpuSeconds: number;
  maxOutputBytes: number;
}

export interface SessionCodeExecutionRequest {
  codeInputType: 'Inline';
  executionType: 'Synchronous';
  code: string;
  timeoutInSeconds: number;
}

/** `executionResult` of a command: what the port returns beyond stdout and stderr. */
export interface SessionCommandOutcome {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  outputTruncated: boolean;
}

export interface SessionErrorResponse {
  error: { code: string; message: string };
}

export interface SessionCodeExecutionResource {
  id: string;
  identifier: string;
  executionType: 'Synchronous' | 'Asynchronous';
  status: 'NotStarted' | 'Running' | 'Succeeded' | 'Failed' | 'Canceled';
  error?: SessionErrorResponse;
  result?: {
    stdout: string;
    stderr: string;
    executionResult?: SessionCommandOutcome;
    executionTimeInMilliseconds?: number;
  };
}

export interface SessionResourceFile {
  name: string;
  type: 'File';
  sizeInBytes: number;
  lastModifiedAt: string;
  directory: string;
}
