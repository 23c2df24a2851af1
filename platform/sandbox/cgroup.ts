import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/** Limits of one sandboxed execution, enforced by the kernel for the whole process tree. */
export interface CgroupLimits {
  memoryBytes: number;
  maxProcesses: number;
  /** CPUs' worth of time per period, e.g. 1 = one core. */
  cpus: number;
}

const root = '/sys/fs/cgroup';
const cpuPeriodUs = 100_000;

/**
 * One control group per execution, created under the factory's own group so limits nest. cgroup v2 (unified,
 * with the memory and pids controllers enabled for children) or v1 (one hierarchy per controller). Creating one
 * needs write access to the parent group: as root, or in a delegated subtree.
 */
export class Cgroup {
  private constructor(
    /** Folders of the group, one per hierarchy (one on v2). */
    readonly folders: string[],
    readonly version: 1 | 2,
  ) {}

  /** A group created earlier, possibly by another process (a deployed service's, at undeploy). */
  static at(folders: string[]): Cgroup {
    return new Cgroup(folders, folders.length === 1 ? 2 : 1);
  }

  /** Creates the group with its limits; undefined where this process may not (the reason in `why`). */
  static create(
    name: string,
    limits: CgroupLimits,
    why: (reason: string) => void = () => {},
  ): Cgroup | undefined {
    try {
      const v2 = unifiedParent();
      if (v2) {
        const folder = join(v2, name);
        mkdirSync(folder);
        const group = new Cgroup([folder], 2);
        group.write(folder, 'memory.max', String(limits.memoryBytes));
        group.write(folder, 'memory.swap.max', '0', true);
        group.write(folder, 'pids.max', String(limits.maxProcesses));
        group.write(folder, 'cpu.max', `${Math.round(limits.cpus * cpuPeriodUs)} ${cpuPeriodUs}`, true);
        return group;
      }
      const parents = ['memory', 'pids', 'cpu'].map((controller) => v1Parent(controller));
      if (parents.some((p) => !p)) {
        why(
          'no cgroup v2 with memory and pids controllers, and no cgroup v1 memory, pids and cpu hierarchies',
        );
        return undefined;
      }
      const [memory, pids, cpu] = parents.map((p) => join(p!, name));
      const group = new Cgroup([], 1);
      for (const folder of [memory, pids, cpu]) {
        mkdirSync(folder);
        group.folders.push(folder);
      }
      group.write(memory, 'memory.limit_in_bytes', String(limits.memoryBytes));
      // Swap counts too where the kernel accounts it, so the limit cannot be dodged by swapping out.
      group.write(memory, 'memory.memsw.limit_in_bytes', String(limits.memoryBytes), true);
      group.write(pids, 'pids.max', String(limits.maxProcesses));
      group.write(cpu, 'cpu.cfs_period_us', String(cpuPeriodUs));
      group.write(cpu, 'cpu.cfs_quota_us', String(Math.round(limits.cpus * cpuPeriodUs)));
      return group;
    } catch (error) {
      why(`cannot create a control group: ${(error as Error).message}`);
      return undefined;
    }
  }

  /**
   * Removes empty groups whose name starts with `prefix` and that are older than `minAgeMs`: those of executions
   * whose factory process was killed before it could remove them. A group with members (a deployed service) is
   * kept, as the kernel refuses to remove it; a group just created is younger than `minAgeMs`.
   */
  static sweep(prefix: string, minAgeMs: number): number {
    let removed = 0;
    const parents = unifiedParentIfPresent() ?? ['memory', 'pids', 'cpu'].map((c) => v1Parent(c));
    for (const parent of [parents].flat()) {
      if (!parent) continue;
      let entries: string[];
      try {
        entries = readdirSync(parent).filter((name) => name.startsWith(prefix));
      } catch {
        continue;
      }
      for (const name of entries) {
        const folder = join(parent, name);
        try {
          if (Date.now() - statSync(folder).mtimeMs < minAgeMs) continue;
          rmdirSync(folder);
          removed++;
        } catch {
          // In use, or already gone.
        }
      }
    }
    return removed;
  }

  /** The `cgroup.procs` files a process writes its pid to, to join the group before it starts anything. */
  procsFiles(): string[] {
    return this.folders.map((folder) => join(folder, 'cgroup.procs'));
  }

  /** Process ids in the group. */
  members(): number[] {
    const pids = new Set<number>();
    for (const file of this.procsFiles()) {
      try {
        for (const line of readFileSync(file, 'utf8').split('\n')) if (line) pids.add(Number(line));
      } catch {
        // The group is already gone.
      }
    }
    return [...pids];
  }

  /** True when the memory limit was hit at least once (the kernel killed or refused allocations). */
  memoryLimitHit(): boolean {
    try {
      if (this.version === 2) {
        const events = readFileSync(join(this.folders[0], 'memory.events'), 'utf8');
        return /^(max|oom_kill) [1-9]/m.test(events);
      }
      const control = readFileSync(join(this.folders[0], 'memory.oom_control'), 'utf8');
      return /^oom_kill [1-9]/m.test(control);
    } catch {
      return false;
    }
  }

  /** SIGKILLs every process in the group, repeatedly until it is empty, then removes the group. */
  async destroy(): Promise<void> {
    for (let round = 0; round < 50; round++) {
      if (this.version === 2 && existsSync(join(this.folders[0], 'cgroup.kill')))
        this.write(this.folders[0], 'cgroup.kill', '1', true);
      const members = this.members();
      for (const pid of members) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already exited.
        }
      }
      if (members.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const folder of this.folders) {
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          rmdirSync(folder);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          // EBUSY while the kernel finishes tearing the last process down.
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    }
  }

  private write(folder: string, file: string, value: string, optional = false): void {
    try {
      writeFileSync(join(folder, file), value);
    } catch (error) {
      if (!optional) throw error;
    }
  }
}

/** This process's group in a hierarchy, from /proc/self/cgroup (`id:controllers:path`). */
function ownGroup(match: (controllers: string[]) => boolean): string | undefined {
  for (const line of readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path !== undefined && match(controllers ? controllers.split(',') : [])) return path;
  }
  return undefined;
}

/** The v2 parent of the factory's groups if it exists already (never creates it). */
function unifiedParentIfPresent(): string | undefined {
  if (!existsSync(join(root, 'cgroup.controllers'))) return undefined;
  const own = ownGroup((c) => c.length === 0);
  const parent = own === undefined ? undefined : join(root, own, 'factory-sandboxes');
  return parent && existsSync(parent) ? parent : undefined;
}

function unifiedParent(): string | undefined {
  const controllersFile = join(root, 'cgroup.controllers');
  if (!existsSync(controllersFile)) return undefined;
  const available = readFileSync(controllersFile, 'utf8').trim().split(/\s+/);
  if (!available.includes('memory') || !available.includes('pids')) return undefined;
  const own = ownGroup((c) => c.length === 0);
  if (own === undefined) return undefined;
  // A v2 group with processes may not also have children with controllers: use a sibling-free leaf parent.
  const parent = join(root, own, 'factory-sandboxes');
  if (!existsSync(parent)) {
    mkdirSync(parent);
    writeFileSync(join(root, own, 'cgroup.subtree_control'), '+memory +pids +cpu');
  }
  writeFileSync(join(parent, 'cgroup.subtree_control'), '+memory +pids +cpu');
  return parent;
}

function v1Parent(controller: string): string | undefined {
  const mount = join(root, controller);
  if (!existsSync(join(mount, 'cgroup.procs'))) return undefined;
  const own = ownGroup((c) => c.includes(controller));
  return own === undefined ? undefined : join(mount, own);
}
