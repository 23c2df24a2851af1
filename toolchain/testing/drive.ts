import type { Sandbox } from '../../core/ports/sandbox';
import { nodeHeapLimitArgs, nodePermissionArgs } from '../../platform/sandbox/localProcessSandbox';
import type { DomainModel } from '../schemas/domainModel';
import { serviceModel } from '../backend/model';
import { runsOn } from '../backend/rulePlan';
import { referencedRecords, uniqueFields, validBody } from '../backend/samples';
import { chaosDriverSource, loadDriverSource, type DriverTarget } from './drivers';
import type { LoadMeasurement } from './loadMeasurement';
import { reportMarker } from './reporterSource';
import { driverFiles } from './runTests';

export function driverTargets(model: DomainModel, slug: string): DriverTarget[] {
  const context = model.contexts.find((c) => c.slug === slug);
  if (!context) return [];
  const service = serviceModel(context, model.product.slug);
  const rolesOn = (entity: string, on: 'create' | 'delete') => [
    ...new Set(
      service.rules.enforced.flatMap((rule) =>
        rule.hook === entity && rule.check.kind === 'permission' && runsOn(rule, { on })
          ? rule.check.roles
          : [],
      ),
    ),
  ];
  return service.entities.map((entity) => {
    return {
      collectionPath: entity.collectionPath,
      body: validBody(entity, 1),
      uniqueFields: uniqueFields(entity),
      keyFields: entity.attributes.filter((a) => a.uuid).map((a) => a.name),
      parents: referencedRecords(service, entity),
      roles: { create: rolesOn(entity.name, 'create'), delete: rolesOn(entity.name, 'delete') },
      notOwn: (['create', 'delete'] as const).filter((on) =>
        service.rules.enforced.some(
          (rule) =>
            rule.hook === entity.name &&
            rule.check.kind === 'ownership' &&
            !rule.check.owner &&
            (runsOn(rule, { on }) || (on === 'create' && runsOn(rule, { on: 'write' }))),
        ),
      ),
    };
  });
}

function lastReport<T>(stdout: string): T | undefined {
  const lines = stdout.split('\n').filter((line) => line.startsWith(reportMarker));
  return lines.length ? (JSON.parse(lines[lines.length - 1].slice(reportMarker.length)) as T) : undefined;
}

export interface LoadReport extends LoadMeasurement {
  concurrency: number;
  byOperation: Record<string, { requests: number; p95Ms: number }>;
}

export const defaultLoad = { requests: 2000, durationMs: 5000, concurrency: 10 };

/** Runs the load driver against the compiled service inside the sandbox (permission model on). */
export async function runLoad(
  sandbox: Sandbox,
  outDir: string,
  targets: DriverTarget[],
  load = defaultLoad,
): Promise<{ report?: LoadReport; error?: string }> {
  const result = await sandbox.run({
    files: [
      ...driverFiles(outDir),
      { path: '.factory/load.js', content: loadDriverSource },
      { path: '.factory/load.json', content: JSON.stringify({ ...load, targets }) },
    ],
    command: [process.execPath, ...nodeHeapLimitArgs(), ...nodePermissionArgs(), '.factory/load.js'],
    timeoutMs: load.durationMs + 30_000,
    cpuSeconds: Math.ceil(load.durationMs / 1000) + 30,
    maxOutputBytes: 1024 * 1024,
  });
  const report = lastReport<LoadReport & { type: string }>(result.stdout);
  return report ? { report } : { error: (result.timedOut ? 'timed out; ' : '') + result.stderr.slice(-2000) };
}

export interface ChaosExperiment {
  name: string;
  category: 'malformed-request' | 'repository' | 'process';
  survived: boolean;
  observations: string[];
}

/** Runs the chaos driver inside the sandbox; it may start child processes, each itself confined. */
export async function runChaos(
  sandbox: Sandbox,
  outDir: string,
  targets: DriverTarget[],
  options = { slowDelayMs: 300 },
): Promise<{ experiments: ChaosExperiment[]; error?: string }> {
  const result = await sandbox.run({
    files: [
      ...driverFiles(outDir),
      { path: '.factory/chaos.js', content: chaosDriverSource },
      { path: '.factory/chaos.json', content: JSON.stringify({ ...options, targets }) },
    ],
    command: [
      process.execPath,
      ...nodeHeapLimitArgs(),
      ...nodePermissionArgs({ allowChildProcess: true }),
      '.factory/chaos.js',
    ],
    timeoutMs: 90_000,
    cpuSeconds: 60,
    maxOutputBytes: 1024 * 1024,
  });
  const report = lastReport<{ experiments: ChaosExperiment[] }>(result.stdout);
  return report
    ? { experiments: report.experiments }
    : { experiments: [], error: result.stderr.slice(-2000) };
}
