import { createHash } from 'node:crypto';
import { validateSegment } from '../artifacts/artifactPath';
import { runIdPattern, runIdRule } from './runChecks';

/** Characters of the run id kept at the front of its instance id, so operators recognise the run. */
const readablePrefix = 32;
/** Hex digits of the hash of (tenant, run id): 96 bits. */
const hashDigits = 24;

/**
 * The durable instance id of a tenant's run: `<first 32 characters of the run id>~<hash of tenant and run id>`.
 * Durable instance ids are global to the task hub while run ids are chosen per tenant, so the id is derived from
 * both, and every start, status query, event and termination of a run goes through this function. A hash rather
 * than both ids spelled out: tenant ids may be 128 characters and run ids 64, phase instance ids append up to
 * 33 more, and instance ids are limited to 100. Another tenant's run of the same id has another hash, so it can
 * be neither found nor signalled: 96 bits make a collision by chance negligible, and a tenant cannot aim at
 * another's id, since the tenant in its hash is always its own. `~` is in neither run ids nor hex digits.
 */
export function runInstanceId(tenantId: string, runId: string): string {
  validateSegment('tenantId', tenantId);
  if (!runIdPattern.test(runId)) throw new Error(`invalid run id '${runId}': ${runIdRule}`);
  const hash = createHash('sha256').update(`${tenantId}\n${runId}`).digest('hex').slice(0, hashDigits);
  return `${runId.slice(0, readablePrefix)}~${hash}`;
}

/**
 * The instance id of one phase attempt: `<run instance id>:<phase>:<iteration>:<attempt>`. The orchestrator
 * derives it from its own instance id, so phases are as tenant-scoped as their run.
 */
export const phaseInstanceId = (
  runInstance: string,
  phase: string,
  iteration: number,
  attempt: number,
): string => `${runInstance}:${phase}:${iteration}:${attempt}`;
