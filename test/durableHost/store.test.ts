import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptStoreError, DurableStore, type InstanceRow } from '../../local/durableHost/store';

// The embedded host's SQLite store on its own: what the host and the durable client read back from it.
let folder: string;
let store: DurableStore;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'durable-store-'));
  store = new DurableStore(join(folder, 'durable.db'));
});
afterEach(() => {
  store.close();
  rmSync(folder, { recursive: true, force: true });
});

function instance(
  id: string,
  status: InstanceRow['status'],
  createdAt: string,
  parent?: string,
): InstanceRow {
  return {
    instance_id: id,
    name: 'factoryRun',
    execution_id: `${id}-e1`,
    status,
    input: null,
    output: null,
    custom_status: null,
    parent_instance_id: parent ?? null,
    parent_task_id: parent ? 3 : null,
    created_at: createdAt,
    updated_at: createdAt,
    completed_at: null,
  };
}

describe('instances', () => {
  beforeEach(() => {
    store.insertInstance(instance('t1:run-b', 'Running', '2026-01-02T00:00:00.000Z'));
    store.insertInstance(instance('t1:run-a', 'Completed', '2026-01-01T00:00:00.000Z'));
    store.insertInstance(instance('t2:run-c', 'Failed', '2026-01-03T00:00:00.000Z'));
    store.insertInstance(instance('t1:run-b:phase', 'Running', '2026-01-02T00:00:01.000Z', 't1:run-b'));
  });
  const ids = (rows: InstanceRow[]) => rows.map((row) => row.instance_id);

  it('lists every instance by creation time when no filter is given', () => {
    expect(ids(store.listInstances())).toEqual(['t1:run-a', 't1:run-b', 't1:run-b:phase', 't2:run-c']);
  });

  it('filters by status, creation window and id prefix, all together', () => {
    expect(ids(store.listInstances({ statuses: ['Completed', 'Failed'] }))).toEqual(['t1:run-a', 't2:run-c']);
    expect(ids(store.listInstances({ createdFrom: '2026-01-02T00:00:00.000Z' }))).toEqual([
      't1:run-b',
      't1:run-b:phase',
      't2:run-c',
    ]);
    expect(ids(store.listInstances({ createdTo: '2026-01-02T00:00:00.000Z' }))).toEqual([
      't1:run-a',
      't1:run-b',
    ]);
    expect(ids(store.listInstances({ prefix: 't1:' }))).toEqual(['t1:run-a', 't1:run-b', 't1:run-b:phase']);
    // A prefix is compared as text, not as a LIKE pattern: `_` and `%` match only themselves.
    expect(ids(store.listInstances({ prefix: 't_:' }))).toEqual([]);
    expect(
      ids(
        store.listInstances({
          statuses: ['Running'],
          createdFrom: '2026-01-02T00:00:00.500Z',
          createdTo: '2026-01-03T00:00:00.000Z',
          prefix: 't1:',
        }),
      ),
    ).toEqual(['t1:run-b:phase']);
  });

  it('reads, updates and finds the children of an instance', () => {
    store.updateInstance('t1:run-b', { status: 'Completed', output: '"done"' });
    store.updateInstance('t1:run-b', {});
    expect(store.getInstance('t1:run-b')).toMatchObject({ status: 'Completed', output: '"done"' });
    expect(store.getInstance('t1:run-a')?.status).toBe('Completed');
    expect(store.getInstance('nobody')).toBeUndefined();
    expect(ids(store.children('t1:run-b'))).toEqual(['t1:run-b:phase']);
  });
});

describe('history and messages', () => {
  it('appends history in sequence, as not yet played, and clears it per instance', () => {
    const event = (id: number) => ({ EventId: id, EventType: 0, IsPlayed: true, Timestamp: 'x' });
    store.appendHistory('a', [event(1), event(2)] as never);
    store.appendHistory('a', [event(3)] as never);
    store.appendHistory('b', [event(9)] as never);
    expect(store.history('a').map((e) => [e.EventId, e.IsPlayed])).toEqual([
      [1, false],
      [2, false],
      [3, false],
    ]);
    store.clearHistory('a');
    expect(store.history('a')).toEqual([]);
    expect(store.history('b')).toHaveLength(1);
  });

  it('delivers messages once visible, oldest first, and knows when the next becomes visible', () => {
    expect(store.nextMessageTime()).toBeUndefined();
    store.enqueueMessage('a', 'e1', { n: 1 }, 200);
    store.enqueueMessage('a', null, { n: 2 }, 100);
    store.enqueueMessage('b', 'e1', { n: 3 }, 150);
    expect(store.nextMessageTime()).toBe(100);
    expect(store.visibleMessages('a', 99)).toEqual([]);
    expect(store.visibleMessages('a', 200).map((m) => JSON.parse(m.event))).toEqual([{ n: 2 }, { n: 1 }]);
    expect(store.instancesWithVisibleMessages(150)).toEqual(['a', 'b']);
    expect(store.instancesWithVisibleMessages(120)).toEqual(['a']);
    store.deleteMessages(store.visibleMessages('a', 200).map((m) => m.id));
    expect(store.visibleMessages('a', 1_000)).toEqual([]);
    expect(store.nextMessageTime()).toBe(150);
  });

  it('drops the queued work of an instance, keeping raised events (no execution id) when asked', () => {
    store.enqueueMessage('a', 'e1', { timer: true }, 0);
    store.enqueueMessage('a', null, { raised: true }, 0);
    store.enqueueActivity({ instance_id: 'a', execution_id: 'e1', task_id: 0, name: 'agent', input: null });
    store.enqueueActivity({ instance_id: 'b', execution_id: 'e1', task_id: 0, name: 'agent', input: null });
    store.deleteInstanceWork('a', true);
    expect(store.visibleMessages('a', 1).map((m) => JSON.parse(m.event))).toEqual([{ raised: true }]);
    expect(store.readyActivities(new Set(), 10).map((a) => a.instance_id)).toEqual(['b']);
    store.deleteInstanceWork('a');
    expect(store.visibleMessages('a', 1)).toEqual([]);
  });
});

describe('activities and executions', () => {
  it('hands out ready activities in order, skipping those already running, up to the limit', () => {
    for (let task = 0; task < 4; task++)
      store.enqueueActivity({
        instance_id: 'a',
        execution_id: 'e1',
        task_id: task,
        name: 'agent',
        input: `${task}`,
      });
    const all = store.readyActivities(new Set(), 10);
    expect(all.map((a) => a.task_id)).toEqual([0, 1, 2, 3]);
    const running = new Set([all[0].id, all[1].id]);
    expect(store.readyActivities(running, 1).map((a) => a.task_id)).toEqual([2]);
    expect(store.readyActivities(running, 2).map((a) => a.task_id)).toEqual([2, 3]);
    expect(store.getActivity(all[3].id)?.input).toBe('3');
    store.deleteActivity(all[3].id);
    expect(store.getActivity(all[3].id)).toBeUndefined();
  });

  it('counts attempts per task and function and records how each ended', () => {
    const first = store.startExecution('a', 'agent', 1, '2026-01-01T00:00:00.000Z');
    store.endExecution(first.id, '2026-01-01T00:00:01.000Z', 'failed', 'boom');
    const second = store.startExecution('a', 'agent', 1, '2026-01-01T00:00:02.000Z');
    store.endExecution(second.id, '2026-01-01T00:00:03.000Z', 'completed');
    const other = store.startExecution('a', 'agent', 2, '2026-01-01T00:00:04.000Z');
    store.startExecution('b', 'agent', 1, '2026-01-01T00:00:05.000Z');
    expect([first.attempt, second.attempt, other.attempt]).toEqual([1, 2, 1]);
    expect(store.executions([])).toEqual([]);
    expect(
      store.executions(['a']).map((e) => [e.task_id, e.attempt, e.outcome, e.error, e.ended_at]),
    ).toEqual([
      [1, 1, 'failed', 'boom', '2026-01-01T00:00:01.000Z'],
      [1, 2, 'completed', null, '2026-01-01T00:00:03.000Z'],
      [2, 1, null, null, null],
    ]);
    expect(store.executions(['a', 'b'])).toHaveLength(4);
  });

  it('purges everything of one instance and says whether it existed', () => {
    store.insertInstance(instance('a', 'Completed', '2026-01-01T00:00:00.000Z'));
    store.insertInstance(instance('b', 'Completed', '2026-01-01T00:00:00.000Z'));
    for (const id of ['a', 'b']) {
      store.appendHistory(id, [{ EventId: 1 }] as never);
      store.enqueueMessage(id, null, {}, 0);
      store.enqueueActivity({ instance_id: id, execution_id: 'e', task_id: 0, name: 'agent', input: null });
      store.startExecution(id, 'agent', 0, 'now');
    }
    expect(store.purge('a')).toBe(1);
    expect(store.purge('a')).toBe(0);
    expect(store.getInstance('a')).toBeUndefined();
    expect(store.history('a')).toEqual([]);
    expect(store.visibleMessages('a', 1)).toEqual([]);
    expect(store.executions(['a'])).toEqual([]);
    expect(store.readyActivities(new Set(), 10).map((a) => a.instance_id)).toEqual(['b']);
    expect(store.history('b')).toHaveLength(1);
  });
});

describe('opening a store file', () => {
  it('keeps what was committed when reopened', () => {
    store.insertInstance(instance('a', 'Running', '2026-01-01T00:00:00.000Z'));
    store.close();
    store = new DurableStore(join(folder, 'durable.db'));
    expect(store.getInstance('a')?.status).toBe('Running');
  });

  it('refuses a file that is not a database, naming it and what to do', () => {
    const file = join(folder, 'garbage.db');
    writeFileSync(file, 'this is not a SQLite database, but it is long enough to have a header '.repeat(100));
    expect(() => new DurableStore(file)).toThrow(CorruptStoreError);
    expect(() => new DurableStore(file)).toThrow(/garbage\.db cannot be used: .*Move the file away/);
  });

  it('refuses a database whose pages are damaged, which SQLite opens but its quick check rejects', () => {
    for (let i = 0; i < 200; i++)
      store.insertInstance(instance(`run-${i}`.padEnd(200, 'x'), 'Running', '2026-01-01T00:00:00.000Z'));
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    const file = join(folder, 'durable.db');
    const bytes = readFileSync(file);
    // Page 3 onwards (4 KiB pages): index and table pages; the header on page 1 stays intact.
    bytes.fill(0x5a, 2 * 4096 + 8, 2 * 4096 + 2048);
    writeFileSync(file, bytes);
    expect(() => (store = new DurableStore(file))).toThrow(CorruptStoreError);
    store = new DurableStore(':memory:');
  });
});
