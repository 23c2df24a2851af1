import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { Cgroup } from './cgroup';
import type { Confinement, ReadOnlyMount } from './confinement';
import { withCpuLimit } from './processConfinement';

/** The user generated code runs as when the factory runs as root: nobody owns nothing of the factory's. */
export const sandboxUid = 65534;

const bwrapCandidates = ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'];
const setprivCandidates = ['/usr/bin/setpriv', '/bin/setpriv'];

/**
 * Joins the control group (every `cgroup.procs` given before `--`), then runs the rest: argv only, no
 * interpolation. `exec` for an execution (bubblewrap's parent is the factory, whose death ends it); for a service,
 * the shell stays as bubblewrap's parent and leads the process group that stopping it signals.
 */
const joinGroupScript = (service: boolean) =>
  `while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; ${service ? '"$@"' : 'exec "$@"'}`;

/** Every execution's and service's control group is named so. */
const groupPrefix = 'factory-sandbox-';

const signalNames = new Map(Object.entries(constants.signals).map(([name, number]) => [number, name]));

const find = (candidates: string[]) => candidates.find((path) => existsSync(path));

/**
 * bubblewrap's mounts: the system read-only (`/usr` and the merged-usr links, or the folders themselves), the
 * Node.js installation that runs generated code, a fresh /proc, /dev and /tmp, and the working directory, the
 * only writable place. FACTORY_HOME, the project, /home, /root, /etc (but the dynamic loader's cache) and the
 * factory's sockets are not mounted, so they do not exist inside. Folders the caller names are mounted read-only
 * inside the working directory (a deployed service's packages, shared by every service started from them).
 */
function bwrapArgs(
  workdir: string,
  uid: number,
  network: 'own' | 'host' = 'own',
  readOnly: ReadOnlyMount[] = [],
): string[] {
  const args = [
    '--unshare-all',
    '--unshare-user',
    ...(network === 'host' ? ['--share-net'] : []),
    // No namespaces of its own inside: nothing to build another escape attempt on.
    '--disable-userns',
    '--die-with-parent',
    '--new-session',
    '--hostname',
    'sandbox',
    '--uid',
    String(uid),
    '--gid',
    String(uid),
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const top of ['/bin', '/lib', '/lib64', '/sbin']) {
    if (!existsSync(top)) continue;
    if (lstatSync(top).isSymbolicLink()) args.push('--symlink', readlinkRelative(top), top);
    else args.push('--ro-bind', top, top);
  }
  args.push('--ro-bind-try', '/etc/ld.so.cache', '/etc/ld.so.cache');
  const node = realpathSync(process.execPath);
  if (!node.startsWith('/usr/')) {
    // Node installed outside /usr (nvm, a tarball): its prefix, read-only.
    const prefix = dirname(dirname(node));
    args.push('--ro-bind', prefix, prefix);
  }
  args.push(
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--bind',
    workdir,
    workdir,
    '--chdir',
    workdir,
  );
  for (const mount of readOnly) {
    const inside = relative(workdir, mount.target);
    if (!inside || inside.startsWith('..') || isAbsolute(inside))
      throw new Error(`a read-only mount must be inside the working directory: ${mount.target}`);
    args.push('--ro-bind', mount.source, mount.target);
  }
  return args;
}

function readlinkRelative(link: string): string {
  return realpathSync(link).replace(/^\//, '');
}

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (lstatSync(path).isDirectory()) for (const entry of readdirSync(path)) chownTree(join(path, entry), uid);
}

export type NamespaceSupport =
  | { available: true; bwrap: string; setpriv?: string; cgroups: boolean; note?: string }
  | { available: false; reason: string };

let support: NamespaceSupport | undefined;

/**
 * Whether this host can run generated code in namespaces: bubblewrap present and able to create user, PID,
 * network and mount namespaces (tried once, with a trivial command, the way every execution will use it).
 */
export function namespaceSupport(): NamespaceSupport {
  if (support) return support;
  const bwrap = find(bwrapCandidates);
  if (!bwrap) return (support = { available: false, reason: 'bubblewrap (bwrap) is not installed' });
  const root = process.getuid?.() === 0;
  const setpriv = root ? find(setprivCandidates) : undefined;
  if (root && !setpriv)
    return (support = { available: false, reason: 'setpriv (util-linux) is needed to drop root' });
  const probeDir = mkdtempSync(join(tmpdir(), 'sandbox-probe-'));
  if (setpriv) chownTree(probeDir, sandboxUid);
  const argv = [
    ...(setpriv ? [setpriv, `--reuid=${sandboxUid}`, `--regid=${sandboxUid}`, '--clear-groups', '--'] : []),
    bwrap,
    ...bwrapArgs(probeDir, sandboxUid),
    '--',
    '/usr/bin/env',
    'true',
  ];
  const probe = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', timeout: 10_000 });
  rmSync(probeDir, { recursive: true, force: true });
  if (probe.status !== 0)
    return (support = {
      available: false,
      reason: `bubblewrap cannot create namespaces here: ${(probe.stderr || probe.error?.message || `exit ${probe.status}`).trim()}`,
    });
  let why = '';
  const probeGroup = root
    ? Cgroup.create(
        `factory-probe-${process.pid}-${randomBytes(4).toString('hex')}`,
        { memoryBytes: 64 << 20, maxProcesses: 8, cpus: 1 },
        (r) => (why = r),
      )
    : undefined;
  if (probeGroup) {
    void probeGroup.destroy();
    // Groups left by factory processes that were killed mid-execution.
    Cgroup.sweep(groupPrefix, 60_000);
  }
  return (support = {
    available: true,
    bwrap,
    setpriv,
    cgroups: Boolean(probeGroup),
    note: probeGroup ? undefined : root ? why : 'not root: no control group (memory, process and CPU limits)',
  });
}

/**
 * Generated code in its own user, PID, network, mount, IPC and UTS namespaces (bubblewrap), as another user than
 * the factory's (nobody, when the factory runs as root), in a control group that bounds memory, processes and CPU
 * and is killed whole at the end. Inside, only the working directory is writable, only loopback exists (a service
 * and its tests talk there; the factory's ports and the outside are unreachable), and PID 1 of the namespace is
 * bubblewrap's: when it dies the kernel kills everything left, a `setsid` grandchild too.
 */
export function namespaceConfinement(found: Extract<NamespaceSupport, { available: true }>): Confinement {
  return {
    name: 'namespaces',
    needsReachableFolder: true,
    description: `isolated: own user${found.setpriv ? ' (nobody)' : ''}, PID, network (loopback only) and mount namespaces${found.cgroups ? ', control group limits on memory, processes and CPU' : ''}`,
    prepare(command, workdir, limits, options = {}) {
      const group = found.cgroups
        ? Cgroup.create(`${groupPrefix}${randomBytes(8).toString('hex')}`, {
            memoryBytes: limits.memoryMiB * 1024 * 1024,
            maxProcesses: limits.maxProcesses,
            cpus: 1,
          })
        : undefined;
      if (found.cgroups && !group)
        throw new Error('cannot create the control group for a sandboxed execution');
      if (found.setpriv) chownTree(workdir, sandboxUid);
      const inner = [
        found.bwrap,
        ...bwrapArgs(workdir, sandboxUid, options.network, options.readOnly),
        '--',
        ...withCpuLimit(command, limits.cpuSeconds),
      ];
      const dropped = found.setpriv
        ? [found.setpriv, `--reuid=${sandboxUid}`, `--regid=${sandboxUid}`, '--clear-groups', '--', ...inner]
        : inner;
      const argv = group
        ? [
            '/bin/sh',
            '-c',
            joinGroupScript(Boolean(options.service)),
            'sandbox',
            ...group.procsFiles(),
            '--',
            ...dropped,
          ]
        : options.service
          ? ['/bin/sh', '-c', joinGroupScript(true), 'sandbox', '--', ...dropped]
          : dropped;
      return {
        argv,
        cgroup: group?.folders ?? [],
        outcome: (exitCode, signal) => {
          const name = exitCode !== null && exitCode > 128 ? signalNames.get(exitCode - 128) : undefined;
          return name ? { exitCode: null, signal: name } : { exitCode, signal };
        },
        release: async () => group?.destroy(),
        limitNote: () =>
          group?.memoryLimitHit() ? `sandbox: memory limit of ${limits.memoryMiB} MiB reached` : undefined,
      };
    },
  };
}
