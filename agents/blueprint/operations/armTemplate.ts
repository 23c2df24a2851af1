import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Sandbox } from '../../../core/ports/sandbox';

type Files = Array<{ path: string; content: Buffer }>;

/** Runs the Bicep CLI with `args` over `files` and gives its stdout; `undefined` when there is no CLI there. */
export type BicepRunner = (files: Files, args: string[]) => Promise<string | undefined>;

/** The Bicep CLI on this machine (`BICEP_PATH` or `bicep` on PATH, found by `findBicep`). */
export function localBicep(bicep: string): BicepRunner {
  return async (files, args) => {
    const dir = mkdtempSync(join(tmpdir(), 'factory-arm-'));
    try {
      for (const file of files) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.content);
      }
      return await new Promise<string>((resolve, reject) =>
        execFile(
          bicep,
          args,
          { cwd: dir, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
          (error, stdout, stderr) =>
            error
              ? reject(new Error(`bicep ${args[0]} failed: ${stderr || error.message}`))
              : resolve(stdout),
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * The Bicep CLI of the sandbox (`bicep` on its PATH: the session image installs it), for hosts that have none,
 * such as the Functions instance. The template comes back on stdout, so no file has to leave the sandbox.
 */
export function sandboxBicep(sandbox: Sandbox, program = 'bicep'): BicepRunner {
  return async (files, args) => {
    const result = await sandbox.run({
      files,
      command: [program, ...args],
      timeoutMs: 180_000,
      cpuSeconds: 120,
      maxOutputBytes: 32 * 1024 * 1024,
      memoryMiB: 2048,
      // The CLI is a .NET program: no telemetry from a sandbox, and no ICU needed in a slim image.
      env: {
        DOTNET_CLI_TELEMETRY_OPTOUT: '1',
        DOTNET_NOLOGO: '1',
        DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1',
      },
    });
    // 127: the shell's and prlimit's "command not found".
    if (result.exitCode === 127) return undefined;
    if (result.exitCode !== 0 || result.timedOut || result.outputTruncated)
      throw new Error(
        `bicep ${args[0]} failed in the ${sandbox.adapter} sandbox (exit ${result.exitCode ?? result.signal}${result.timedOut ? ', timed out' : ''}${result.outputTruncated ? ', output cut' : ''}): ${result.stderr.slice(0, 2000)}`,
      );
    return result.stdout;
  };
}

/**
 * Builds `main.bicep` and `main.<environment>.bicepparam` to ARM JSON (`bicep build --stdout`,
 * `bicep build-params --stdout`), which the Container Apps target deploys. Without a CLI it says so.
 */
export async function buildArmTemplate(
  files: Files,
  environment: string,
  bicep: BicepRunner,
): Promise<{ template: Record<string, unknown>; parameters: Record<string, unknown> } | { skipped: string }> {
  const built = await bicep(files, ['build', 'main.bicep', '--stdout']);
  if (built === undefined) return { skipped: 'no Bicep CLI where the template was to be built' };
  const template = JSON.parse(built) as Record<string, unknown>;
  const paramFile = `main.${environment}.bicepparam`;
  if (!files.some((f) => f.path === paramFile)) return { template, parameters: {} };
  const params = await bicep(files, ['build-params', paramFile, '--stdout']);
  const { parametersJson } = JSON.parse(params ?? '{}') as { parametersJson?: string };
  const parameters = parametersJson
    ? Object.fromEntries(
        Object.entries(
          (JSON.parse(parametersJson) as { parameters: Record<string, { value: unknown }> }).parameters,
        ).map(([k, v]) => [k, v.value]),
      )
    : {};
  return { template, parameters };
}
