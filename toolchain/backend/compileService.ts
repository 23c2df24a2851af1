import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type TS from 'typescript';
import { ts } from '../../platform/typescript';
import { serviceCompilerOptions } from './generateService';
import { installSandboxModules, linkTypeModules, sandboxModules } from './runtimeDependencies';

export interface SourceFile {
  path: string;
  content: string | Buffer;
}

export interface Diagnostic {
  file?: string;
  line?: number;
  code: number;
  message: string;
}

export interface CompileResult {
  diagnostics: Diagnostic[];
  /**
   * Folder holding the emitted JavaScript (`src/**` and `test/**` as `.js` + source maps) and the packages the
   * service loads on its in-memory test double (`node_modules/`), when emitted.
   */
  outDir?: string;
}

/** @types/node of the factory itself: generated services type-check against the same Node typings. */
function typeRoots(): string[] {
  return [join(dirname(require.resolve('@types/node/package.json')), '..')];
}

function compilerOptions(root: string, outDir?: string): TS.CompilerOptions {
  const converted = ts.convertCompilerOptionsFromJson(
    { ...serviceCompilerOptions, outDir: outDir ?? 'dist', rootDir: root },
    root,
  );
  return { ...converted.options, typeRoots: typeRoots(), noEmit: outDir === undefined };
}

/**
 * Parsed library files (lib.*.d.ts, @types/node) are the bulk of a compile and never change, so they are
 * parsed once per process and shared by every compile.
 */
const sharedSourceFiles = new Map<string, TS.SourceFile>();

function cachingHost(options: TS.CompilerOptions): TS.CompilerHost {
  const host = ts.createCompilerHost(options);
  const original = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.includes('node_modules')) return original(fileName, languageVersion, onError, shouldCreate);
    const key = `${fileName}|${JSON.stringify(languageVersion)}`;
    let cached = sharedSourceFiles.get(key);
    if (!cached) {
      cached = original(fileName, languageVersion, onError, shouldCreate);
      if (cached) sharedSourceFiles.set(key, cached);
    }
    return cached;
  };
  return host;
}

function format(diagnostic: TS.Diagnostic, root: string): Diagnostic {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (!diagnostic.file || diagnostic.start === undefined) return { code: diagnostic.code, message };
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  return { file: relative(root, diagnostic.file.fileName), line: line + 1, code: diagnostic.code, message };
}

/**
 * Type-checks (and optionally emits) a service held in memory: files are written to a scratch folder so the
 * compiler resolves them like a checkout, then checked with the service's own strict options.
 */
export function compileService(files: SourceFile[], options: { emit?: boolean } = {}): CompileResult {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => a.path.localeCompare(b.path)))
    hash.update(file.path).update('\0').update(file.content);
  // The output carries the sandbox packages: another version of them is another build.
  for (const { name, version } of sandboxModules()) hash.update(`\0${name}@${version}`);
  // So does another compiler or other options: a build found under the key passed the same checks.
  hash.update(`\0typescript@${ts.version}\0${JSON.stringify(serviceCompilerOptions)}`);
  const key = hash.digest('hex').slice(0, 24);
  const base = join(tmpdir(), buildCacheFolder);
  const outDir = join(base, `${key}-dist`);
  // Same sources compile to the same output: agents of one phase share a build instead of repeating it.
  if (options.emit && existsSync(join(outDir, '.complete'))) {
    touch(outDir);
    return { diagnostics: [], outDir };
  }
  const root = join(base, `${key}-${process.pid}-${Date.now()}`);
  for (const file of files) {
    const target = join(root, file.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, file.content);
  }
  linkTypeModules(root);
  const tsFiles = files.filter(
    (f) => f.path.endsWith('.ts') && (f.path.startsWith('src/') || f.path.startsWith('test/')),
  );
  const stagingOut = options.emit ? join(root, '.out') : undefined;
  try {
    const compileOptions = compilerOptions(root, stagingOut);
    const program = ts.createProgram(
      tsFiles.map((f) => join(root, f.path)),
      compileOptions,
      cachingHost(compileOptions),
    );
    const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => format(d, root));
    if (!options.emit || diagnostics.length > 0) return { diagnostics };
    const emitted = program.emit();
    const emitDiagnostics = emitted.diagnostics.map((d) => format(d, root));
    if (emitDiagnostics.length > 0 || !stagingOut) return { diagnostics: emitDiagnostics };
    installSandboxModules(stagingOut);
    writeFileSync(join(stagingOut, '.complete'), key);
    // Another process that finished the same build first keeps it: its output is identical, and it may be running
    // tests in it or copying it into a deployment right now. Only a leftover without `.complete` is replaced.
    if (!existsSync(join(outDir, '.complete'))) {
      try {
        rmSync(outDir, { recursive: true, force: true });
        renameSync(stagingOut, outDir);
      } catch (error) {
        if (!existsSync(join(outDir, '.complete'))) throw error;
      }
    }
    touch(outDir);
    pruneBuilds(base);
    return { diagnostics: [], outDir };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Compiled services are a cache in the temp folder (rebuilt when missing): one not used for this long is removed,
 * so the folder does not grow on a long-lived host or Functions instance, while a build in use is never touched.
 */
export const buildCacheMaxIdleMs = 30 * 60_000;
/** The cache's folder in the temp folder. */
export const buildCacheFolder = 'factory-service-builds';

/** Marks a build as used now. */
function touch(outDir: string): void {
  const now = new Date();
  utimesSync(outDir, now, now);
}

/** Removes the compiled services nobody used for `buildCacheMaxIdleMs`. */
function pruneBuilds(base: string): void {
  const cutoff = Date.now() - buildCacheMaxIdleMs;
  for (const entry of readdirSync(base, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.endsWith('-dist')) continue;
    const path = join(base, entry.name);
    const used = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (used !== undefined && used < cutoff) rmSync(path, { recursive: true, force: true });
  }
}

/** Relative paths of every file under a folder, `/`-separated. */
export function listFiles(folder: string, prefix = ''): string[] {
  return readdirSync(join(folder, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(folder, path) : [path];
  });
}
