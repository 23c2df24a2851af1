/** What a sandboxed execution may use at most, beyond wall-clock time. */
export interface ExecutionLimits {
  /** CPU time of the command itself (RLIMIT_CPU); none for a server that runs until it is stopped. */
  cpuSeconds?: number;
  memoryMiB: number;
  maxProcesses: number;
}

/** One execution prepared by a confinement: the argv to spawn, and how to end and clean up what it started. */
export interface ConfinedExecution {
  /** The wrapper's argv, ending with the command's own argv. */
  argv: string[];
  /** Folders of the control group, for a process that must release it later (a deployed service). */
  cgroup: string[];
  /** Ends every process the execution started (called at the limit and after it exits), then frees resources. */
  release(): Promise<void>;
  /** The command's own end, from the wrapper's (bubblewrap reports a signal as exit code 128 + its number). */
  outcome(
    exitCode: number | null,
    signal: NodeJS.Signals | null,
  ): { exitCode: number | null; signal: string | null };
  /** A note for the result when a limit of the confinement (not the command) ended the execution. */
  limitNote(): string | undefined;
}

/** A host folder seen read-only at `target`, an empty folder inside the working directory. */
export interface ReadOnlyMount {
  source: string;
  target: string;
}

/**
 * How the local sandbox confines a command: `namespaces` (user, PID, network, mount namespaces, a control group
 * and another user) or `process` (a scrubbed environment, CPU time and a process group only).
 */
export interface Confinement {
  readonly name: 'namespaces' | 'process';
  /** What it confines, in a sentence, for run reports and `factory` output. */
  readonly description: string;
  /**
   * The working directory must be reachable by the sandbox's user along its whole path (bubblewrap binds it by
   * path, as that user): true for namespaces, where a folder inside FACTORY_HOME is not.
   */
  readonly needsReachableFolder: boolean;
  /**
   * `network: 'own'` (default): only the execution's own loopback. `'host'`: the host's network, for a deployed
   * service that people and health checks must reach. `service: true`: it outlives the factory process that
   * started it (a deployed product), and ends when its process group is signalled. `readOnly`: folders mounted
   * read-only at a path inside the working directory (only where `needsReachableFolder`: namespaces mount them).
   */
  prepare(
    command: string[],
    workdir: string,
    limits: ExecutionLimits,
    options?: { network?: 'own' | 'host'; service?: boolean; readOnly?: ReadOnlyMount[] },
  ): ConfinedExecution;
}
