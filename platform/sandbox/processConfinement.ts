import { spawnSync } from 'node:child_process';
import type { Confinement } from './confinement';

let prlimitPath: string | null | undefined;

/** util-linux `prlimit`, when installed: it sets RLIMIT_CPU without a shell. */
export function findPrlimit(): string | null {
  if (prlimitPath !== undefined) return prlimitPath;
  for (const candidate of ['/usr/bin/prlimit', '/bin/prlimit']) {
    const probe = spawnSync(candidate, ['--version'], { stdio: 'ignore' });
    if (probe.status === 0) return (prlimitPath = candidate);
  }
  return (prlimitPath = null);
}

/** argv that runs `command` with RLIMIT_CPU; both wrappers pass argv through untouched. */
export function withCpuLimit(command: string[], cpuSeconds: number | undefined): string[] {
  if (cpuSeconds === undefined) return command;
  const cpu = String(Math.max(1, Math.ceil(cpuSeconds)));
  const prlimit = findPrlimit();
  // prlimit execs argv; sh only expands "$@" (argv is never interpolated into the script).
  return prlimit
    ? [prlimit, `--cpu=${cpu}`, '--', ...command]
    : ['/bin/sh', '-c', `ulimit -t ${cpu}; exec "$@"`, 'sandbox', ...command];
}

/**
 * The weaker mode, for hosts that cannot provide namespaces and only when asked for (`FACTORY_SANDBOX=process`):
 * the command runs as the factory's user, sees its processes, files and network; only the environment, CPU time,
 * the wall clock (its process group) and output size are confined.
 */
export const processConfinement: Confinement = {
  name: 'process',
  needsReachableFolder: false,
  description:
    'NOT ISOLATED: generated code runs as the factory user with its files, processes and network visible (scrubbed environment, CPU and time limits only)',
  prepare(command, _workdir, limits, options = {}) {
    if (options.readOnly?.length) throw new Error('process confinement cannot mount folders read-only');
    return {
      argv: withCpuLimit(command, limits.cpuSeconds),
      cgroup: [],
      outcome: (exitCode, signal) => ({ exitCode, signal }),
      release: async () => undefined,
      limitNote: () => undefined,
    };
  },
};
