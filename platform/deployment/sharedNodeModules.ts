import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  type Stats,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from './detachedProcess';

/** The folder, in the temp folder, that holds one read-only copy of each distinct set of service packages. */
export const sharedModulesFolder = 'factory-service-modules';

const stagingPrefix = '.making-';

/**
 * Every file under `folder` with its size, `/`-separated and sorted. A symbolic link is refused: packages the
 * factory installs have none, so one was put there by something else, and copying or opening it up could reach
 * outside the folder.
 */
function listing(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true })
    .flatMap((entry) => {
      const path = prefix ? `${prefix}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink())
        throw new Error(
          `the service's packages hold a symbolic link, which the factory never installs: ${path}`,
        );
      if (entry.isDirectory()) return listing(folder, path);
      return [`${path}\0${lstatSync(join(folder, path)).size}`];
    })
    .sort();
}

/** A folder of the factory's own: a real folder (not a link), owned by its user, writable by no one else. */
function ownFolder(path: string, stat: Stats): void {
  const uid = process.getuid?.();
  if (
    !stat.isDirectory() ||
    stat.isSymbolicLink() ||
    (uid !== undefined && stat.uid !== uid) ||
    stat.mode & 0o022
  )
    throw new Error(`${path} is not a folder of the factory's own (owner, links or modes): remove it`);
}

/** Readable and traversable by everyone, writable by the owner only, whatever the umask was. */
function openUp(path: string): void {
  const stat = lstatSync(path);
  chmodSync(path, stat.isDirectory() || stat.mode & 0o100 ? 0o755 : 0o644);
  if (stat.isDirectory()) for (const entry of readdirSync(path)) openUp(join(path, entry));
}

/** Staging folders of factory processes killed while they made a copy. */
function removeAbandoned(base: string): void {
  for (const name of readdirSync(base)) {
    const pid = Number(name.slice(stagingPrefix.length).split('-')[0]);
    if (name.startsWith(stagingPrefix) && pid !== process.pid && !alive(pid))
      rmSync(join(base, name), { recursive: true, force: true });
  }
}

/**
 * A copy of a compiled service's `node_modules` that sandboxed services mount read-only instead of each getting a
 * copy of their own: a deployed service's packages are about 30 MB in 3,700 files, and copying them (then removing
 * them) at every start cost about 10 s of CPU. One copy per distinct content (the key hashes every byte, so packages
 * changed after they were built get a copy of their own and never reach another service), in a folder of the
 * factory's own in the temp folder (which the sandbox's user can reach). A copy whose files no longer match (a temp
 * cleaner removed some) is made again; two processes making the same one at once each copy into a folder of their
 * own and the first rename wins.
 */
export function sharedNodeModules(built: string): string {
  const modules = join(built, 'node_modules');
  const files = listing(modules);
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update(readFileSync(join(modules, file.split('\0')[0])));
  const base = join(tmpdir(), sharedModulesFolder);
  mkdirSync(base, { recursive: true, mode: 0o755 });
  ownFolder(base, lstatSync(base));
  chmodSync(base, 0o755); // whatever the umask: the sandbox's user passes through it
  const shared = join(base, hash.digest('hex').slice(0, 32));
  const existing = lstatSync(shared, { throwIfNoEntry: false });
  if (existing) {
    ownFolder(shared, existing);
    if (listing(shared).join('\n') === files.join('\n')) return shared;
    rmSync(shared, { recursive: true, force: true });
  }
  removeAbandoned(base);
  const staging = join(base, `${stagingPrefix}${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    cpSync(modules, staging, { recursive: true });
    openUp(staging);
    try {
      renameSync(staging, shared);
    } catch (error) {
      if (!lstatSync(shared, { throwIfNoEntry: false })) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return shared;
}
