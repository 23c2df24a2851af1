/**
 * The sandbox port: runs untrusted generated code (tests, services, load and chaos drivers) with limits.
 * Adapters: `LocalProcessSandbox` (a child process on this machine) and, in Azure,
 * `ContainerAppsSessionsSandbox` (a Container Apps dynamic session; docs/adr/0030-sandbox.md, 0033).
 * Requests carry argv only: no shell, no interpolation.
 */
export interface SandboxFile {
  /** Relative path inside the sandbox working directory; never absolute, never containing `..`. */
  path: string;
  content: string | Buffer;
}

export interface SandboxRequest {
  /** Files copied into a fresh working directory before the command runs. */
  files?: SandboxFile[];
  /** Or an existing directory to copy from (its content is copied, the original is never written). */
  workdir?: string;
  /**
   * argv; the first element is the program. The token `{workdir}` inside any argument is replaced by the
   * absolute working directory (the caller cannot know it in advance, e.g. for `--allow-fs-write`).
   */
  command: string[];
  /** Wall-clock limit: the whole process tree is killed when it expires. */
  timeoutMs: number;
  /** CPU-time limit in seconds for the process (RLIMIT_CPU). */
  cpuSeconds: number;
  /** stdout and stderr are each cut at this many bytes. */
  maxOutputBytes: number;
  /** Extra environment variables; the same scrubbing rules apply to them as to the parent's. */
  env?: Record<string, string>;
  /** Memory of the whole process tree in MiB, where the adapter can bound it (default 1024). */
  memoryMiB?: number;
  /** Processes and threads of the whole tree at the most, where the adapter can bound it (default 256). */
  maxProcesses?: number;
}

export interface SandboxResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  outputTruncated: boolean;
}

export interface Sandbox {
  /** Adapter name for diagnostics: `local-namespaces`, `local-process` or `aca-sessions`. */
  readonly adapter: string;
  /** What confines the code it runs, in a sentence, for run reports. */
  readonly isolation: string;
  /**
   * A headless Chromium its commands can start, confined with them (its path inside the sandbox); undefined when
   * there is none, or when the sandbox could not confine a browser.
   */
  readonly browser?: string;
  run(request: SandboxRequest): Promise<SandboxResult>;
}

/** Names of variables that never reach sandboxed code, whoever sets them. */
export function isSecretName(name: string): boolean {
  const upper = name.toUpperCase();
  return (
    upper.startsWith('FACTORY_') ||
    upper.startsWith('AZURE_') ||
    upper.startsWith('NPM_CONFIG_') ||
    ['KEY', 'SECRET', 'TOKEN', 'CONNECTION', 'PASSWORD', 'CREDENTIAL'].some((word) => upper.includes(word))
  );
}
