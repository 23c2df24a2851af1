import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findBicep } from '../../../toolchain/infrastructure/compileBicep';

/**
 * Builds `main.bicep` and a `.bicepparam` to ARM JSON with the Bicep CLI (`bicep build --stdout`,
 * `bicep build-params --stdout`), which the ARM deployment target needs. Without a CLI it says so.
 */
export async function buildArmTemplate(
  files: Array<{ path: string; content: Buffer }>,
  environment: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ template: Record<string, unknown>; parameters: Record<string, unknown> } | { skipped: string }> {
  const bicep = findBicep(env);
  if (!bicep)
    return { skipped: 'no Bicep CLI (BICEP_PATH or bicep on PATH): the ARM template cannot be built here' };
  const dir = mkdtempSync(join(tmpdir(), 'factory-arm-'));
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile(
        bicep,
        args,
        { cwd: dir, maxBuffer: 32 * 1024 * 1024, timeout: 120_000 },
        (error, stdout, stderr) =>
          error ? reject(new Error(`bicep ${args[0]} failed: ${stderr || error.message}`)) : resolve(stdout),
      ),
    );
  try {
    for (const file of files) {
      mkdirSync(dirname(join(dir, file.path)), { recursive: true });
      writeFileSync(join(dir, file.path), file.content);
    }
    const template = JSON.parse(await run(['build', 'main.bicep', '--stdout'])) as Record<string, unknown>;
    const paramFile = `main.${environment}.bicepparam`;
    const built = files.some((f) => f.path === paramFile)
      ? (JSON.parse(await run(['build-params', paramFile, '--stdout'])) as { parametersJson?: string })
      : {};
    const parameters = built.parametersJson
      ? Object.fromEntries(
          Object.entries(
            (JSON.parse(built.parametersJson) as { parameters: Record<string, { value: unknown }> })
              .parameters,
          ).map(([k, v]) => [k, v.value]),
        )
      : {};
    return { template, parameters };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
