import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

/**
 * The packages a generated service may use at run time, and their typings. The factory carries them in its own
 * lock file, so a service builds, tests and deploys offline with exactly the versions the factory was tested
 * with; outside the factory `npm install` fetches the same ranges.
 */
const runtimePackages = ['pg', '@azure/service-bus', 'jose'];
/** The packages the compiler reads a service's imports' types from (the Azure SDK carries its own). */
const typePackages = ['@types/pg', '@azure/service-bus', 'jose'];

/**
 * The packages a service loads whatever its store (the token check): the sandbox, which runs the tests and drivers
 * on the in-memory test double and so never loads the database driver, gets these only.
 */
export const sandboxPackages = ['jose'];

/** The folder of a package as Node resolves it from `from` (node_modules folders up the tree). */
function packageFolder(name: string, from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`${name} is not installed with the factory`);
  }
}

const readManifest = (folder: string) =>
  JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as {
    version: string;
    main?: string;
    exports?: { '.'?: { require?: string } };
    dependencies?: Record<string, string>;
  };

/** The version of a package the factory has installed. */
export function installedVersion(name: string): string {
  return readManifest(packageFolder(name, __dirname)).version;
}

/** `dependencies` of a generated service's package.json. */
export function runtimeDependencies(): Record<string, string> {
  return Object.fromEntries(runtimePackages.map((name) => [name, `^${installedVersion(name)}`]));
}

/** The dependencies a service's package.json names that the factory does not carry (it cannot install them). */
export function unknownDependencies(packageJson: string): string[] {
  try {
    const names = Object.keys((JSON.parse(packageJson) as { dependencies?: object }).dependencies ?? {});
    return names.filter((name) => !runtimePackages.includes(name));
  } catch {
    return ['(package.json is not valid JSON)'];
  }
}

/**
 * Every package folder the runtime packages need, by its path under the factory's node_modules. A package that
 * needs another version of a dependency has it in its own node_modules, and that copy travels inside it.
 */
function runtimeClosure(): Map<string, string> {
  const folders = new Set<string>();
  const visit = (name: string, from: string) => {
    const folder = packageFolder(name, from);
    if (folders.has(folder)) return;
    folders.add(folder);
    for (const dependency of Object.keys(readManifest(folder).dependencies ?? {})) visit(dependency, folder);
  };
  for (const name of runtimePackages) visit(name, __dirname);
  const modules = dirname(packageFolder(runtimePackages[0], __dirname));
  const closure = new Map<string, string>();
  for (const folder of folders) {
    const path = relative(modules, folder);
    if (!path.split(sep).includes('node_modules')) closure.set(path, folder);
  }
  return closure;
}

/** Copies the runtime packages into `<target>/node_modules`, as `npm install --omit=dev` would lay them out. */
export function installRuntimeModules(target: string): void {
  for (const [path, folder] of runtimeClosure()) {
    const destination = join(target, 'node_modules', path);
    if (existsSync(join(destination, 'package.json'))) continue;
    mkdirSync(dirname(destination), { recursive: true });
    // Builds are shared between processes: each copies a package into a folder of its own, beside the build (so
    // that nobody listing the build sees it half made), and renames it into place; two installing into the same
    // build at once never trip over each other's folders.
    const staging = join(dirname(target), `.install-${process.pid}-${randomBytes(4).toString('hex')}`);
    cpSync(folder, join(staging, 'package'), { recursive: true, dereference: true });
    try {
      renameSync(join(staging, 'package'), destination);
    } catch (error) {
      if (!existsSync(join(destination, 'package.json'))) throw error;
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
}

/** Links the typings into a scratch checkout's node_modules, so the compiler resolves `import 'pg'` there. */
export function linkTypeModules(root: string): void {
  for (const name of typePackages) {
    const link = join(root, 'node_modules', name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(packageFolder(name, __dirname), link, 'dir');
  }
}

/**
 * The sandbox packages: each one's folder and the parts of it `require` needs, its manifest and the folder of its
 * CommonJS entry point (not its ES module, browser or typings builds). They have no dependencies of their own.
 */
export function sandboxModules(): Array<{ name: string; version: string; folder: string; parts: string[] }> {
  return sandboxPackages.map((name) => {
    const folder = packageFolder(name, __dirname);
    const manifest = readManifest(folder);
    if (Object.keys(manifest.dependencies ?? {}).length > 0)
      throw new Error(`${name} has dependencies: the sandbox would need them too`);
    const entry = manifest.exports?.['.']?.require ?? manifest.main ?? 'index.js';
    return { name, version: manifest.version, folder, parts: ['package.json', posix.dirname(entry)] };
  });
}

/** Copies the sandbox packages into `<target>/node_modules`: compiled output then runs where it lies. */
export function installSandboxModules(target: string): void {
  for (const { name, folder, parts } of sandboxModules())
    for (const part of parts)
      cpSync(join(folder, part), join(target, 'node_modules', name, part), { recursive: true });
}
