import { readFileSync } from 'node:fs';
import { dirname, posix } from 'node:path';
import type TS from 'typescript';
import { ts } from '../../platform/typescript';

export interface TypeCheckOptions {
  /** Libraries when the folder has no tsconfig.json (or to override it), e.g. `['ES2022', 'DOM']`. */
  lib?: string[];
  /** A sub folder of `files` that holds the project (its tsconfig.json), e.g. `web`. Default: the root. */
  project?: string;
  /** Extra compiler options applied over the folder's tsconfig.json. */
  compilerOptions?: TS.CompilerOptions;
}

export interface TypeCheckDiagnostic {
  file?: string;
  line?: number;
  column?: number;
  code: number;
  category: 'error' | 'warning' | 'suggestion' | 'message';
  message: string;
}

export interface TypeCheckResult {
  ok: boolean;
  /** Paths (relative to the folder) of the files the program checked. */
  checkedFiles: string[];
  diagnostics: TypeCheckDiagnostic[];
}

const root = '/project';
const libFolder = () => dirname(ts.getDefaultLibFilePath({ target: ts.ScriptTarget.ES2022 }));
// Library declaration files are large (lib.dom.d.ts alone is ~1 MB) and never change: parse them once.
const libCache = new Map<string, TS.SourceFile>();

function category(value: TS.DiagnosticCategory): TypeCheckDiagnostic['category'] {
  return value === ts.DiagnosticCategory.Error
    ? 'error'
    : value === ts.DiagnosticCategory.Warning
      ? 'warning'
      : value === ts.DiagnosticCategory.Suggestion
        ? 'suggestion'
        : 'message';
}

/**
 * Type-checks a folder of generated TypeScript in memory with the compiler API (no files written, nothing
 * emitted): the folder's own tsconfig.json decides the options (strict, lib DOM for browser code), the
 * TypeScript standard library comes from the installed compiler. Plain `.js` files (a service worker, say)
 * get syntax checking only.
 */
export function typeCheckFolder(
  files: Array<{ path: string; content: string | Buffer }>,
  options: TypeCheckOptions = {},
): TypeCheckResult {
  const prefix = options.project ? `${options.project.replace(/\/+$/, '')}/` : '';
  const virtual = new Map<string, string>();
  for (const file of files) {
    if (!file.path.startsWith(prefix)) continue;
    virtual.set(
      posix.join(root, file.path.slice(prefix.length)),
      typeof file.content === 'string' ? file.content : file.content.toString('utf8'),
    );
  }
  const directories = new Set<string>();
  for (const path of virtual.keys()) {
    for (let dir = posix.dirname(path); dir !== '/' && !directories.has(dir); dir = posix.dirname(dir))
      directories.add(dir);
  }
  const libs = libFolder();
  const isLib = (path: string) => path.startsWith(libs);
  const fileExists = (path: string) => virtual.has(path) || (isLib(path) && ts.sys.fileExists(path));
  const readFile = (path: string) => virtual.get(path) ?? (isLib(path) ? ts.sys.readFile(path) : undefined);

  const parseHost: TS.ParseConfigHost = {
    useCaseSensitiveFileNames: true,
    fileExists,
    readFile,
    readDirectory: (dir, extensions, excludes, includes, depth) => {
      // `matchFiles` (include/exclude globs over a directory listing) is not in the public typings of the compiler.
      const matchFiles = (ts as unknown as { matchFiles?: (...args: unknown[]) => string[] }).matchFiles;
      if (matchFiles)
        return matchFiles(
          dir,
          extensions,
          excludes,
          includes,
          true,
          root,
          depth,
          listing,
          (path: string) => path,
        );
      return [...virtual.keys()].filter(
        (path) => path.startsWith(dir) && (extensions ?? []).some((ext) => path.endsWith(ext)),
      );
    },
  };
  const listing = (dir: string) => {
    const filesIn: string[] = [];
    const dirsIn: string[] = [];
    for (const path of virtual.keys()) if (posix.dirname(path) === dir) filesIn.push(posix.basename(path));
    for (const candidate of directories)
      if (posix.dirname(candidate) === dir) dirsIn.push(posix.basename(candidate));
    return { files: filesIn, directories: dirsIn };
  };

  const diagnostics: TypeCheckDiagnostic[] = [];
  let compilerOptions: TS.CompilerOptions;
  let rootNames: string[];
  const tsconfigPath = posix.join(root, 'tsconfig.json');
  const sourceFiles = [...virtual.keys()].filter(
    (path) => /\.(ts|tsx)$/.test(path) && !path.endsWith('.d.ts.map'),
  );
  if (virtual.has(tsconfigPath)) {
    const json = ts.parseConfigFileTextToJson(tsconfigPath, virtual.get(tsconfigPath)!);
    if (json.error) diagnostics.push(toDiagnostic(json.error, prefix));
    const parsed = ts.parseJsonConfigFileContent(json.config ?? {}, parseHost, root, undefined, tsconfigPath);
    for (const error of parsed.errors)
      if (error.code !== 18003) diagnostics.push(toDiagnostic(error, prefix));
    compilerOptions = parsed.options;
    rootNames = parsed.fileNames.length ? parsed.fileNames : sourceFiles;
  } else {
    compilerOptions = {
      strict: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ES2022,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
    };
    rootNames = sourceFiles;
  }
  if (options.lib) compilerOptions.lib = options.lib.map((name) => `lib.${name.toLowerCase()}.d.ts`);
  compilerOptions = {
    ...compilerOptions,
    ...options.compilerOptions,
    noEmit: true,
    types: [],
    skipLibCheck: true,
  };

  const host: TS.CompilerHost = {
    fileExists,
    readFile,
    getSourceFile: (fileName, languageVersion) => {
      if (isLib(fileName)) {
        const key = `${fileName}:${typeof languageVersion === 'object' ? languageVersion.languageVersion : languageVersion}`;
        let cached = libCache.get(key);
        if (!cached) {
          cached = ts.createSourceFile(fileName, readFileSync(fileName, 'utf8'), languageVersion);
          libCache.set(key, cached);
        }
        return cached;
      }
      const text = virtual.get(fileName);
      return text === undefined ? undefined : ts.createSourceFile(fileName, text, languageVersion, true);
    },
    getDefaultLibFileName: (opts) => ts.getDefaultLibFilePath(opts),
    getDefaultLibLocation: libFolder,
    writeFile: () => undefined,
    getCurrentDirectory: () => root,
    getDirectories: (path) => listing(path).directories,
    directoryExists: (path) =>
      path === root || directories.has(path) || (isLib(path) && ts.sys.directoryExists(path)),
    getCanonicalFileName: (name) => name,
    useCaseSensitiveFileNames: () => true,
    getNewLine: () => '\n',
  };
  const program = ts.createProgram({ rootNames, options: compilerOptions, host });
  diagnostics.push(...ts.getPreEmitDiagnostics(program).map((d) => toDiagnostic(d, prefix)));

  // Plain JavaScript beside the TypeScript (service workers) is parsed for syntax errors.
  for (const [path, text] of virtual) {
    if (!/\.(js|mjs)$/.test(path)) continue;
    const source = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
    const parseDiagnostics =
      (source as unknown as { parseDiagnostics?: TS.Diagnostic[] }).parseDiagnostics ?? [];
    diagnostics.push(...parseDiagnostics.map((d) => toDiagnostic(d, prefix)));
  }

  const checkedFiles = program
    .getSourceFiles()
    .map((file) => file.fileName)
    .filter((name) => name.startsWith(`${root}/`))
    .map((name) => relative(name, prefix));
  return { ok: !diagnostics.some((d) => d.category === 'error'), checkedFiles, diagnostics };
}

function relative(fileName: string, prefix: string): string {
  return fileName.startsWith(`${root}/`) ? `${prefix}${fileName.slice(root.length + 1)}` : fileName;
}

function toDiagnostic(diagnostic: TS.Diagnostic, prefix: string): TypeCheckDiagnostic {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  if (diagnostic.file && diagnostic.start !== undefined) {
    const position = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    return {
      file: relative(diagnostic.file.fileName, prefix),
      line: position.line + 1,
      column: position.character + 1,
      code: diagnostic.code,
      category: category(diagnostic.category),
      message,
    };
  }
  return { code: diagnostic.code, category: category(diagnostic.category), message };
}

/** `web/src/main.ts:12:5 TS2322 Type 'string' is not assignable ...`: a finding a developer can act on. */
export function formatDiagnostic(diagnostic: TypeCheckDiagnostic): string {
  const where = diagnostic.file
    ? `${diagnostic.file}${diagnostic.line ? `:${diagnostic.line}:${diagnostic.column}` : ''} `
    : '';
  return `${where}TS${diagnostic.code} ${diagnostic.message}`;
}
