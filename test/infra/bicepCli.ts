import { execFile } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface BicepLocation {
  path?: string;
  /** Why no CLI was found, for the skip or failure message. */
  reason?: string;
}

function isExecutableFile(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Bicep CLI: BICEP_PATH if set, else `bicep` on PATH. */
export function findBicep(env: NodeJS.ProcessEnv = process.env): BicepLocation {
  const explicit = env.BICEP_PATH?.trim();
  if (explicit) {
    return isExecutableFile(explicit)
      ? { path: explicit }
      : { reason: `BICEP_PATH is set to ${explicit}, which is not an executable file` };
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'bicep');
    if (isExecutableFile(candidate)) return { path: candidate };
  }
  return {
    reason:
      'no Bicep CLI: set BICEP_PATH (export BICEP_PATH=$(bash .ci/install-bicep.sh)) or put bicep on PATH',
  };
}

export interface Diagnostic {
  file: string;
  line: number;
  column: number;
  level: 'Error' | 'Warning';
  code: string;
  message: string;
}

export interface BicepRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  diagnostics: Diagnostic[];
}

// e.g. "/x/main.bicep(12,7) : Warning no-unused-params: Parameter "x" is declared but never used. [https://...]"
const DIAGNOSTIC = /^(.*)\((\d+),(\d+)\) : (Error|Warning) ([\w-]+): (.*)$/;

/** Errors and warnings in Bicep's default diagnostics output (informational lines are ignored). */
export function parseDiagnostics(output: string): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = DIAGNOSTIC.exec(line.trim());
    if (!m) continue;
    diagnostics.push({
      file: m[1],
      line: Number(m[2]),
      column: Number(m[3]),
      level: m[4] as Diagnostic['level'],
      code: m[5],
      message: m[6],
    });
  }
  return diagnostics;
}

export function formatDiagnostics(diagnostics: Diagnostic[]): string {
  return diagnostics
    .map((d) => `${d.file}(${d.line},${d.column}) ${d.level} ${d.code}: ${d.message}`)
    .join('\n');
}

export function runBicep(bicep: string, args: string[], cwd: string): Promise<BicepRun> {
  return new Promise((resolve, reject) => {
    execFile(
      bicep,
      args,
      { cwd, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' } },
      (error, stdout, stderr) => {
        const code: unknown = error ? (error as { code?: unknown }).code : 0;
        if (error && typeof code !== 'number') {
          reject(error);
          return;
        }
        resolve({
          exitCode: typeof code === 'number' ? code : 0,
          stdout,
          stderr,
          diagnostics: parseDiagnostics(`${stdout}\n${stderr}`),
        });
      },
    );
  });
}
