import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The folder, in the temp folder, that holds one read-only copy of each distinct set of service packages. */
export const sharedModulesFolder = 'factory-service-modules';

/**
 * Every file under `folder` with its size, and every manifest's content (its version), `/`-separated and sorted:
 * what makes two package sets the same.
 */
function listing(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return listing(folder, path);
      const file = join(folder, path);
      const manifest = entry.name === 'package.json' ? readFileSync(file, 'utf8') : '';
      return [`${path}\0${statSync(file).size}\0${manifest}`];
    })
    .sort();
}

/** Readable and traversable by everyone, writable by the owner only, whatever the umask was. */
function openUp(path: string): void {
  const stat = statSync(path);
  chmodSync(path, stat.isDirectory() || stat.mode & 0o100 ? 0o755 : 0o644);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) openUp(join(path, entry));
}

/**
 * A copy of a compiled service's `node_modules` that sandboxed services mount read-only instead of each getting a
 * copy of their own: a deployed service's packages are about 30 MB in 3,700 files, and copying them (then removing
 * them) at every start cost about 10 s of CPU. One copy per distinct content, in the temp folder (which the sandbox's
 * user can reach), owned by the factory's user and never written after it is made; two processes making the same
 * one at once each copy into a folder of their own and the first rename wins.
 */
export function sharedNodeModules(built: string): string {
  const modules = join(built, 'node_modules');
  const hash = createHash('sha256');
  for (const line of listing(modules)) hash.update(line).update('\n');
  const base = join(tmpdir(), sharedModulesFolder);
  const shared = join(base, hash.digest('hex').slice(0, 24));
  if (existsSync(shared)) return shared;
  mkdirSync(base, { recursive: true });
  chmodSync(base, 0o755);
  const staging = join(base, `.making-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    cpSync(modules, staging, { recursive: true });
    openUp(staging);
    try {
      renameSync(staging, shared);
    } catch (error) {
      if (!existsSync(shared)) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return shared;
}
