import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DurableStore } from '../../local/durableHost/store';
import { registry } from '../../local/durableHost/functionsCore';
import { DurableHost } from '../../local/durableHost/durableHost';
import { calls } from './sampleFunctions';

const diskFull = () => new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
const retryDelayMs = 200;

/**
 * The store write that meets the full disk is made to fail once; the disk has room again afterwards. An
 * unhandled rejection fails the test on its own (jest reports it against the test that caused it).
 */
describe('embedded durable host on a full disk', () => {
  const hosts: DurableHost[] = [];
  afterAll(async () => {
    for (const host of hosts) {
      await host.stop();
      host.close();
    }
  });

  async function runSequence(instanceId: string, failing: 'startExecution' | 'endExecution') {
    const logs: string[] = [];
    const host = new DurableHost({
      registry,
      databaseFile: join(mkdtempSync(join(tmpdir(), 'durable-full-')), 'durable.db'),
      log: (level, message) => logs.push(`${level}: ${message}`),
      recordRetryDelayMs: retryDelayMs,
    });
    hosts.push(host);
    const write = jest.spyOn(host.store as DurableStore, failing).mockImplementationOnce(() => {
      throw diskFull();
    });
    const before = calls.hello ?? 0;
    host.start();
    host.startNew('sequence', { instanceId });
    const status = await host.waitForCompletion(instanceId, 20000);
    return { host, logs, status, write, ran: calls.hello - before };
  }

  it('runs an activity again, after a pause, when its completion cannot be recorded', async () => {
    const { host, logs, status, write, ran } = await runSequence('full-at-end', 'endExecution');
    expect(status?.runtimeStatus).toBe('Completed');
    expect(status?.output).toEqual(['Hello "Tokyo"', 'Hello "Seattle"']);
    expect(write).toHaveBeenCalledTimes(3);
    // At least once: the first activity ran twice, its first run shown as interrupted.
    expect(ran).toBe(3);
    const trace = host.trace('full-at-end');
    expect(trace.map((t) => [t.functionName, t.taskId, t.outcome])).toEqual([
      ['hello', 0, 'interrupted'],
      ['hello', 0, 'completed'],
      ['hello', 1, 'completed'],
    ]);
    expect(Date.parse(trace[1].startedAt) - Date.parse(trace[0].startedAt)).toBeGreaterThanOrEqual(
      retryDelayMs,
    );
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^error: durable host: could not record activity hello \(task 0 of full-at-end\); it runs again in 200 ms: database or disk is full$/,
        ),
      ]),
    );
  }, 30000);

  it('runs an activity later when its start cannot be recorded', async () => {
    const { host, logs, status, ran } = await runSequence('full-at-start', 'startExecution');
    expect(status?.runtimeStatus).toBe('Completed');
    expect(ran).toBe(2);
    expect(host.trace('full-at-start').map((t) => t.outcome)).toEqual(['completed', 'completed']);
    expect(logs.filter((l) => l.startsWith('error: '))).toHaveLength(1);
  }, 30000);
});
