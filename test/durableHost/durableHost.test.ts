import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registry } from '../../local/durableHost/functionsCore';
import { ManualClock } from '../../local/durableHost/clock';
import { DurableHost } from '../../local/durableHost/durableHost';
import { calls, failures } from './sampleFunctions';

function newHost(options: { clock?: ManualClock; file?: string } = {}) {
  const file = options.file ?? join(mkdtempSync(join(tmpdir(), 'durable-')), 'durable.db');
  const host = new DurableHost({ registry, databaseFile: file, clock: options.clock });
  host.start();
  return host;
}

describe('embedded durable host', () => {
  const hosts: DurableHost[] = [];
  const make = (options?: { clock?: ManualClock; file?: string }) => {
    const host = newHost(options);
    hosts.push(host);
    return host;
  };
  afterAll(async () => {
    for (const host of hosts) {
      await host.stop();
      host.close();
    }
  });

  it('runs activities in sequence and keeps custom status', async () => {
    const host = make();
    const id = host.startNew('sequence', { instanceId: 'seq-1' });
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.runtimeStatus).toBe('Completed');
    expect(status?.output).toEqual(['Hello "Tokyo"', 'Hello "Seattle"']);
    expect(status?.customStatus).toEqual({ step: 'after-first' });
  });

  it('fans out with Task.all', async () => {
    const host = make();
    const id = host.startNew('fanOut', { input: 20 });
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.output).toBe(420);
    expect(host.trace(id).filter((t) => t.functionName === 'double')).toHaveLength(20);
  });

  it('retries with RetryOptions intervals and backoff, on a test clock', async () => {
    const clock = new ManualClock();
    const host = make({ clock });
    const id = host.startNew('retrying', { input: { key: 'r1', failTimes: 2, attempts: 3 } });
    // Up to 10 s on a loaded machine; a message due now (the failure being recorded) is not yet the retry timer.
    const waitUntil = async (predicate: () => boolean) => {
      for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 10));
    };
    const retryScheduled = () => (host.store.nextMessageTime() ?? 0) > clock.now();
    await waitUntil(() => failures.r1 === 1 && retryScheduled());
    // first retry after 1 s
    expect(host.store.nextMessageTime()! - clock.now()).toBe(1000);
    clock.advance(1000);
    await waitUntil(() => failures.r1 === 2 && retryScheduled());
    // second retry after 1 s * 2 (backoff)
    expect(host.store.nextMessageTime()! - clock.now()).toBe(2000);
    clock.advance(2000);
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.runtimeStatus).toBe('Completed');
    expect(status?.output).toBe('ok after 3');
    expect(host.trace(id).map((t) => t.outcome)).toEqual(['failed', 'failed', 'completed']);
  });

  it('fails after the last attempt with the real error message', async () => {
    const clock = new ManualClock();
    const host = make({ clock });
    const id = host.startNew('retrying', { input: { key: 'r2', failTimes: 5, attempts: 2 } });
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 10));
      clock.advance(1000);
    }
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.runtimeStatus).toBe('Failed');
    expect(JSON.stringify(status?.output)).toContain('flaky failure 2 of r2');
  });

  it('surfaces the real error of a failed orchestration', async () => {
    const host = make();
    const id = host.startNew('failing');
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.runtimeStatus).toBe('Failed');
    expect(status?.output).toContain('the real reason');
    expect(status?.output).not.toContain('$OutOfProcData$');
  });

  it('runs sub-orchestrations with deterministic child ids', async () => {
    const host = make();
    const id = host.startNew('parent', { instanceId: 'p1' });
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.output).toEqual([2, 6, 12]);
    expect(host.getStatus('p1:child:2')?.runtimeStatus).toBe('Completed');
    expect(host.getStatus('p1:child:2')?.parentInstanceId).toBe('p1');
  });

  it('waits for an external event raced against a durable timer', async () => {
    const clock = new ManualClock();
    const host = make({ clock });
    const approved = host.startNew('approval', { instanceId: 'a1' });
    const timedOut = host.startNew('approval', { instanceId: 'a2' });
    await new Promise((r) => setTimeout(r, 100));
    expect(host.getStatus('a1')?.customStatus).toEqual({ waiting: 'Approval' });
    expect(host.raiseEvent(approved, 'Approval', 'yes')).toBe('raised');
    expect((await host.waitForCompletion(approved, 5000))?.output).toEqual({ decision: 'yes' });
    clock.advance(60 * 60 * 1000);
    expect((await host.waitForCompletion(timedOut, 5000))?.output).toEqual({ decision: 'timeout' });
    expect(host.raiseEvent(approved, 'Approval', 'late')).toBe('gone');
    expect(host.raiseEvent('nobody', 'Approval', 'x')).toBe('not-found');
  });

  it('continues as new with a fresh history', async () => {
    const host = make();
    const id = host.startNew('counter', { input: 0 });
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.output).toBe(3);
    const history = host.getStatus(id, { showHistory: true })?.history ?? [];
    expect(history.filter((e) => e.EventType === 0)).toHaveLength(1);
  });

  it('terminates and purges', async () => {
    const clock = new ManualClock();
    const host = make({ clock });
    const id = host.startNew('timerOnly');
    await new Promise((r) => setTimeout(r, 50));
    expect(host.terminate(id, 'stop it')).toBe('terminated');
    expect(host.getStatus(id)?.runtimeStatus).toBe('Terminated');
    expect(host.getStatus(id)?.output).toBe('stop it');
    expect(host.purge(id)).toBe(1);
    expect(host.getStatus(id)).toBeUndefined();
  });

  it('reports unknown functions clearly', async () => {
    const host = make();
    expect(() => host.startNew('noSuchOrchestrator')).toThrow(
      /no orchestration function named 'noSuchOrchestrator'/,
    );
    const id = host.startNew('callsUnknown');
    const status = await host.waitForCompletion(id, 10000);
    expect(status?.runtimeStatus).toBe('Failed');
    expect(status?.output).toContain("no activity function named 'noSuchActivity'");
  });

  it('rejects a second start of a running instance id', async () => {
    const clock = new ManualClock();
    const host = make({ clock });
    host.startNew('timerOnly', { instanceId: 'once' });
    expect(() => host.startNew('timerOnly', { instanceId: 'once' })).toThrow(/already exists/);
  });

  it('refuses a corrupt database file with a clear error', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'durable-')), 'durable.db');
    writeFileSync(file, 'this is not a database, just some text that is long enough '.repeat(100));
    expect(() => new DurableHost({ registry, databaseFile: file })).toThrow(/cannot be used/);
  });

  it('counts activity calls', () => {
    expect(calls.hello).toBeGreaterThanOrEqual(2);
  });
});
