import { phases } from '../../core/phases';
import { maxIterations } from '../../runs/runOptions';
import { phaseInstanceId, runInstanceId } from '../../platform/runs/instanceIds';

describe('durable instance ids of runs', () => {
  it('are the same for one tenant and run id, and differ between tenants and between run ids', () => {
    const id = runInstanceId('tenant-a', 'run-1');
    expect(runInstanceId('tenant-a', 'run-1')).toBe(id);
    expect(id).toMatch(/^run-1~[0-9a-f]{24}$/);
    expect(runInstanceId('tenant-b', 'run-1')).not.toBe(id);
    expect(runInstanceId('tenant-a', 'run-2')).not.toBe(id);
    // Tenant and run id cannot trade characters to reach another pair's id.
    expect(runInstanceId('a', 'bc-run')).not.toBe(runInstanceId('ab', 'c-run'));
  });

  it('stay within the 100-character limit for the longest tenant, run id, phase, iteration and attempt', () => {
    const longest = phaseInstanceId(
      runInstanceId('t'.repeat(128), 'r'.repeat(64)),
      [...phases].sort((a, b) => b.id.length - a.id.length)[0].id,
      maxIterations,
      // Up to 10 feedback loops (runOptions' maxReworks) make 11 attempts of one phase.
      11,
    );
    // Durable Functions documents 100 characters as the limit; the Durable Task Scheduler enforces it.
    expect(longest.length).toBeLessThanOrEqual(100);
    expect(longest.startsWith('r'.repeat(32) + '~')).toBe(true);
  });

  it('refuse tenant and run ids that could not name a run', () => {
    expect(() => runInstanceId('tenant-a', 'run:1')).toThrow(/invalid run id/);
    expect(() => runInstanceId('tenant-a', 'run~1')).toThrow(/invalid run id/);
    expect(() => runInstanceId('a/b', 'run-1')).toThrow(/invalid tenantId/);
  });
});
