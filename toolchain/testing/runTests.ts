import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeHeapLimitArgs, nodePermissionArgs } from '../../platform/sandbox/localProcessSandbox';
import type { Sandbox, SandboxFile } from '../../core/ports/sandbox';
import { listFiles } from '../backend/compileService';
import { sandboxPackages } from '../backend/runtimeDependencies';
import { tsLiteral } from '../escaping/tsLiteral';
import { parseExchanges, type Exchange } from './contract/exchange';
import { exchangeRecorder } from './contract/exchangeRecorderSource';
import { reporterSource, reportMarker } from './reporterSource';

export interface TestCaseResult {
  name: string;
  /** Test source file, relative to the service (`test/api.test.ts`). */
  file: string | null;
  status: 'pass' | 'fail' | 'skip';
  durationMs: number;
  message?: string;
  /** `file:line` of the first frame inside the service, when known. */
  location?: string;
}

export interface FileCoverage {
  /** Compiled file relative to the service, e.g. `src/api/server.js`. */
  path: string;
  lines: number;
  coveredLines: number;
  branches: number;
  coveredBranches: number;
  uncoveredLines: number[];
}

export interface TestRun {
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  durationMs: number;
  cases: TestCaseResult[];
  coverage?: FileCoverage[];
  exitCode: number | null;
  timedOut: boolean;
  /** The tail of stderr when the run did not produce results (a crash, a timeout). */
  errorOutput: string;
  /** Every request the service answered during the tests, when they were recorded. */
  exchanges: Exchange[];
}

export const sandboxLimits = { timeoutMs: 90_000, cpuSeconds: 60, maxOutputBytes: 4 * 1024 * 1024 };

/**
 * The compiled service as sandbox files, with the packages it loads on the in-memory test double; `stripSourceMaps`
 * because Node 20's coverage fails on them.
 */
export function compiledFiles(outDir: string, options: { stripSourceMaps?: boolean } = {}): SandboxFile[] {
  return listFiles(outDir)
    .filter(
      (path) =>
        !path.startsWith('.') &&
        // Of the packages a deployment build carries, the sandbox takes those compileService put there for it.
        (!path.startsWith('node_modules/') ||
          sandboxPackages.some((name) => path.startsWith(`node_modules/${name}/`))) &&
        !(options.stripSourceMaps && path.endsWith('.map')),
    )
    .map((path): SandboxFile => {
      const content = readFileSync(join(outDir, path));
      if (options.stripSourceMaps && path.endsWith('.js')) {
        return { path, content: content.toString('utf8').replace(/^\/\/# sourceMappingURL=.*$/m, '') };
      }
      return { path, content };
    });
}

/** What a driver needs of the compiled service: its code, the tests' client (tokens) and the packages. */
export function driverFiles(outDir: string): SandboxFile[] {
  return compiledFiles(outDir).filter(
    (f) => f.path.startsWith('src/') || f.path === 'test/client.js' || f.path.startsWith('node_modules/'),
  );
}

function toSourcePath(file: string | null, workdirHint: RegExp): string | null {
  if (!file) return null;
  const local = file.replace(/^file:\/\//, '').replace(workdirHint, '');
  return local.replace(/\.js$/, '.ts');
}

/**
 * Runs every compiled `test/**.test.js` in one Node process inside the sandbox, with the factory reporter.
 * Without coverage the process runs under the permission model (reads and writes confined to its folder, no
 * child processes). Coverage cannot be collected under the permission model on Node 20, so a coverage run is
 * confined by the sandbox only (scrubbed environment, limits, own folder), on the compiled JavaScript.
 */
export async function runNodeTests(
  sandbox: Sandbox,
  outDir: string,
  options: { coverage?: boolean; recordExchanges?: boolean } = {},
): Promise<TestRun> {
  const files = compiledFiles(outDir, { stripSourceMaps: options.coverage });
  const tests = files
    .map((f) => f.path)
    .filter((path) => /^test\/.*\.test\.js$/.test(path))
    .sort();
  const entry = tests.map((path) => `require(${tsLiteral('../' + path)});`).join('\n') + '\n';
  const result = await sandbox.run({
    files: [
      ...files,
      { path: '.factory/reporter.js', content: reporterSource },
      { path: '.factory/entry.js', content: entry },
      ...(options.recordExchanges ? [exchangeRecorder.file] : []),
    ],
    command: [
      process.execPath,
      ...nodeHeapLimitArgs(),
      ...(options.coverage ? ['--experimental-test-coverage'] : nodePermissionArgs()),
      ...(options.recordExchanges ? exchangeRecorder.args : []),
      '--test-reporter=./.factory/reporter.js',
      '.factory/entry.js',
    ],
    ...sandboxLimits,
  });
  const workdirHint = /^.*?\/sandbox-[^/]+\//;
  const cases: TestCaseResult[] = [];
  let coverage: FileCoverage[] | undefined;
  for (const line of result.stdout.split('\n')) {
    if (!line.startsWith(reportMarker)) continue;
    const event = JSON.parse(line.slice(reportMarker.length)) as {
      type: string;
      name: string;
      file: string | null;
      durationMs: number;
      error?: { message: string; frame: string | null };
      files?: FileCoverage[];
    };
    if (event.type === 'coverage') {
      coverage = (event.files ?? [])
        .map((file) => ({ ...file, path: file.path.replace(workdirHint, '') }))
        .filter((file) => file.path.startsWith('src/'));
      continue;
    }
    const frame = event.error?.frame?.match(/\/((?:src|test)\/[^:)]+):(\d+)/);
    cases.push({
      name: event.name,
      file: toSourcePath(event.file, workdirHint),
      status: event.type as TestCaseResult['status'],
      durationMs: Math.round(event.durationMs * 100) / 100,
      message: event.error?.message,
      location: frame ? `${frame[1]}:${frame[2]}` : undefined,
    });
  }
  const failed = cases.filter((c) => c.status === 'fail').length;
  // A crash or timeout with no failing test recorded is still a failure of the run.
  if ((result.exitCode !== 0 || result.timedOut) && failed === 0) {
    cases.push({
      name: result.timedOut ? 'test run timed out' : 'test run crashed',
      file: null,
      status: 'fail',
      durationMs: result.durationMs,
      message: result.stderr.slice(-2000) || `exit code ${result.exitCode}, signal ${result.signal}`,
    });
  }
  return {
    tests: cases.length,
    passed: cases.filter((c) => c.status === 'pass').length,
    failed: cases.filter((c) => c.status === 'fail').length,
    skipped: cases.filter((c) => c.status === 'skip').length,
    durationMs: Math.round(result.durationMs),
    cases,
    coverage,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    errorOutput: result.stderr.slice(-4000),
    exchanges: options.recordExchanges ? parseExchanges(result.stdout) : [],
  };
}
