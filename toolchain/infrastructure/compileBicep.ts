import { execFile } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';

export interface BicepDiagnostic {
  file: string;
  line: number;
  column: number;
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  message: string;
}

export type BicepCompileResult =
  | { skipped: true; reason: string }
  | {
      skipped: false;
      ok: boolean;
      bicepPath: string;
      /** Files compiled: `.bicep` entry points (modules compile with them) and `.bicepparam` files. */
      compiled: string[];
      diagnostics: BicepDiagnostic[];
    };

export interface CompileOptions {
  /** Where to look for the CLI; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The Bicep CLI: `BICEP_PATH` when set, else `bicep` on PATH; undefined when neither exists. */
export function findBicep(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = env.BICEP_PATH
    ? [env.BICEP_PATH]
    : (env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, 'bicep'));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; try the next one
    }
  }
  return undefined;
}

function run(bicep: string, args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      bicep,
      args,
      {
        cwd,
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
      },
      (error, _stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stderr: `${stderr}${error && !stderr ? error.message : ''}` });
      },
    );
  });
}

/** `/tmp/x/main.bicep(12,5) : Error BCP057: The name "foo" does not exist in the current context. [https://...]` */
const diagnosticLine =
  /^(.*?)\((\d+),(\d+)\)\s*:\s*(Error|Warning|Info)\s+([A-Za-z0-9-]+):\s*(.*?)(?:\s+\[https?:[^\]]+\])?$/;

/**
 * Compiles a folder of Bicep with the real Bicep CLI: every `.bicepparam` (which compiles its template too)
 * and every other `.bicep` file outside `modules/` (modules are compiled through the files that use them). Without a CLI it says so and compiles
 * nothing: it never reports a compile it did not run.
 */
export async function compileBicep(
  files: Array<{ path: string; content: string | Buffer }>,
  options: CompileOptions = {},
): Promise<BicepCompileResult> {
  const bicep = findBicep(options.env ?? process.env);
  if (!bicep)
    return {
      skipped: true,
      reason: 'no Bicep CLI: set BICEP_PATH (bash .ci/install-bicep.sh prints it) or put bicep on PATH',
    };
  const dir = mkdtempSync(join(tmpdir(), 'factory-bicep-'));
  try {
    for (const file of files) {
      const target = join(dir, file.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, file.content);
    }
    // A .bicepparam build compiles the template it names in `using` as well, so such templates are not built twice.
    const text = (content: string | Buffer) =>
      typeof content === 'string' ? content : content.toString('utf8');
    const paramFiles = files.filter((f) => f.path.endsWith('.bicepparam'));
    const usedTemplates = new Set(
      paramFiles
        .map((f) => /^\s*using\s+'([^']+)'/m.exec(text(f.content))?.[1])
        .filter(Boolean)
        .map((target) => join(dirname(paramFiles[0].path), target!).replace(/^\.\//, '')),
    );
    const entries = [
      ...files
        .map((f) => f.path)
        .filter(
          (p) =>
            p.endsWith('.bicep') &&
            !p.startsWith('modules/') &&
            !p.includes('/modules/') &&
            !usedTemplates.has(p),
        ),
      ...paramFiles.map((f) => f.path),
    ].sort();
    const diagnostics: BicepDiagnostic[] = [];
    let failed = false;
    // Each CLI start costs seconds; the entry points are independent, so they compile side by side.
    const runs = await Promise.all(
      entries.map((entry) =>
        run(
          bicep,
          entry.endsWith('.bicepparam') ? ['build-params', entry, '--stdout'] : ['build', entry, '--stdout'],
          dir,
        ).then((outcome) => ({ entry, ...outcome })),
      ),
    );
    for (const { entry, code, stderr } of runs) {
      if (code !== 0) failed = true;
      for (const line of stderr.split(/\r?\n/)) {
        const match = diagnosticLine.exec(line.trim());
        if (!match) continue;
        const file = relative(dir, match[1].startsWith('/') ? match[1] : join(dir, match[1]));
        diagnostics.push({
          file,
          line: Number(match[2]),
          column: Number(match[3]),
          level: match[4] as BicepDiagnostic['level'],
          code: match[5],
          message: match[6],
        });
      }
      if (code !== 0 && !diagnostics.some((d) => d.level === 'Error')) {
        diagnostics.push({
          file: entry,
          line: 0,
          column: 0,
          level: 'Error',
          code: 'bicep',
          message: stderr.trim() || `bicep exited with code ${code}`,
        });
      }
    }
    const unique = diagnostics.filter(
      (d, i) =>
        diagnostics.findIndex(
          (o) => o.file === d.file && o.line === d.line && o.code === d.code && o.message === d.message,
        ) === i,
    );
    return {
      skipped: false,
      ok: !failed && !unique.some((d) => d.level === 'Error'),
      bicepPath: bicep,
      compiled: entries,
      diagnostics: unique,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
