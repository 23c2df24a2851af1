import { ts } from '../typescript';

export interface ClientFile {
  path: string;
  content: Buffer;
}

/** What of a client's source folder a browser never needs: its build settings, its notes, the artifact index. */
const sourceOnly = new Set([
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'README.md',
  '.folder.json',
]);

/**
 * A generated client (`web/` or `mobile/`) as a browser loads it: `src/**.ts` compiled to `dist/**.js` (ES
 * modules, as its own tsconfig builds them; the phase-2 gate has type-checked the sources), the other files
 * (page, styles, manifest, service worker, icons) as they are. The page names each service's API at
 * `/api/<service>` on its own origin, where the product's gateway serves it.
 */
export function buildClient(files: ClientFile[]): ClientFile[] {
  const built: ClientFile[] = [];
  for (const file of files) {
    if (sourceOnly.has(file.path)) continue;
    if (file.path.startsWith('src/')) {
      if (!file.path.endsWith('.ts') || file.path.endsWith('.d.ts')) continue;
      const output = ts.transpileModule(file.content.toString('utf8'), {
        fileName: file.path,
        reportDiagnostics: true,
        compilerOptions: {
          target: ts.ScriptTarget.ES2022,
          module: ts.ModuleKind.ES2022,
          strict: true,
          sourceMap: false,
        },
      });
      const problems = (output.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
      if (problems.length > 0) {
        const message = ts.flattenDiagnosticMessageText(problems[0].messageText, ' ');
        throw new Error(`${file.path} does not compile: ${message}`);
      }
      built.push({
        path: `dist/${file.path.slice('src/'.length, -'.ts'.length)}.js`,
        content: Buffer.from(output.outputText),
      });
      continue;
    }
    built.push(file);
  }
  if (!built.some((f) => f.path === 'index.html')) throw new Error('the client has no index.html');
  return built;
}
