import { readFileSync, rmSync } from 'node:fs';
import { Cgroup } from '../sandbox/cgroup';

/** A detached process the local target started (a service or a product database), as its records keep it. */
export interface ProcessRecord {
  service: string;
  pid: number;
  port: number;
  dir: string;
  /** The service's control group, released when it stops. */
  cgroup?: string[];
  /** `dir` is a copy made to start it (removed when it stops), not the version's build folder. */
  staged?: boolean;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the pid still runs a service from `dir` (a pid reused by another program is never signalled). */
export function ours(record: ProcessRecord): boolean {
  if (!alive(record.pid)) return false;
  try {
    return readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').includes(record.dir);
  } catch {
    // No /proc (macOS): the liveness check is all there is.
    return process.platform !== 'linux';
  }
}

/** Stops a detached process group (TERM, then KILL), its control group, and removes its staged copy. */
export async function stopProcess(record: ProcessRecord): Promise<boolean> {
  const running = ours(record);
  if (running) {
    const signal = (s: NodeJS.Signals) => {
      try {
        // Detached: the pid leads its own process group.
        process.kill(-record.pid, s);
      } catch {
        try {
          process.kill(record.pid, s);
        } catch {
          /* already gone */
        }
      }
    };
    signal('SIGTERM');
    for (let i = 0; i < 30 && alive(record.pid); i++) await sleep(100);
    if (alive(record.pid)) signal('SIGKILL');
    for (let i = 0; i < 20 && alive(record.pid); i++) await sleep(50);
  }
  // Whatever is left in the service's control group (it may have been started by another factory process).
  if (record.cgroup?.length) await Cgroup.at(record.cgroup).destroy();
  if (record.staged) rmSync(record.dir, { recursive: true, force: true });
  return running;
}
