import { readFileSync } from 'node:fs';

/** Every process under `pid` (Linux /proc), children before their own children. */
export const descendants = (pid: string): string[] =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(' ')
    .filter(Boolean)
    .flatMap((child) => [child, ...descendants(child)]);

/**
 * The deepest process under a supervisor whose command line holds `marker` (wrappers above it, the shell and
 * bubblewrap that confine it, carry the same arguments).
 */
export const supervised = (supervisor: number, marker: string): string | undefined =>
  descendants(String(supervisor))
    .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker))
    .pop();
