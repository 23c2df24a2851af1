import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import type { HistoryEvent } from './historyEvents';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'ContinuedAsNew';
export const terminalStatuses: RuntimeStatus[] = ['Completed', 'Failed', 'Terminated'];

export interface InstanceRow {
  instance_id: string;
  name: string;
  execution_id: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  parent_instance_id: string | null;
  parent_task_id: number | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
}

export interface MessageRow {
  id: number;
  instance_id: string;
  execution_id: string | null;
  event: string;
  visible_at: number;
}

export interface ActivityRow {
  id: number;
  instance_id: string;
  execution_id: string;
  task_id: number;
  name: string;
  input: string | null;
}

export interface ExecutionRow {
  id: number;
  instance_id: string;
  function_name: string;
  task_id: number;
  attempt: number;
  started_at: string;
  ended_at: string | null;
  outcome: 'completed' | 'failed' | null;
  error: string | null;
}

export class CorruptStoreError extends Error {
  override name = 'CorruptStoreError';
}

const schema = `
CREATE TABLE IF NOT EXISTS instances (
  instance_id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  status TEXT NOT NULL,
  input TEXT,
  output TEXT,
  custom_status TEXT,
  parent_instance_id TEXT,
  parent_task_id INTEGER,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  completed_at TEXT
);
CREATE INDEX IF NOT EXISTS instances_parent ON instances(parent_instance_id);
CREATE TABLE IF NOT EXISTS history (
  instance_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  PRIMARY KEY (instance_id, seq)
);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  execution_id TEXT,
  event TEXT NOT NULL,
  visible_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_visible ON messages(visible_at);
CREATE INDEX IF NOT EXISTS messages_instance ON messages(instance_id);
CREATE TABLE IF NOT EXISTS activities (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  execution_id TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  name TEXT NOT NULL,
  input TEXT
);
CREATE INDEX IF NOT EXISTS activities_instance ON activities(instance_id);
CREATE TABLE IF NOT EXISTS executions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  instance_id TEXT NOT NULL,
  function_name TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  started_at TEXT NOT NULL,
  ended_at TEXT,
  outcome TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS executions_instance ON executions(instance_id);
`;

/**
 * The embedded host's durable state in one SQLite file (WAL). Every change that the host acts on (history,
 * queued activities, timers, messages) is committed in one transaction first, so a process killed at any
 * moment restarts from a consistent state. `synchronous = NORMAL` (the default here) keeps every committed
 * transaction across a process crash; only a power loss can drop the last few, which `FULL` prevents at
 * about a third of the throughput.
 */
export class DurableStore {
  readonly db: Database.Database;

  constructor(
    readonly file: string,
    options: { synchronous?: 'NORMAL' | 'FULL' } = {},
  ) {
    const existed = file !== ':memory:' && existsSync(file);
    try {
      this.db = new Database(file);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      this.db.pragma('busy_timeout = 5000');
      if (existed) {
        const check = this.db.pragma('quick_check', { simple: true });
        if (check !== 'ok') throw new Error(String(check));
      }
      this.db.exec(schema);
    } catch (error) {
      throw new CorruptStoreError(
        `the durable store ${file} cannot be used: ${(error as Error).message}. ` +
          'Move the file away to start with an empty store (unfinished runs in it are then lost).',
      );
    }
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  close(): void {
    this.db.close();
  }

  getInstance(instanceId: string): InstanceRow | undefined {
    return this.db.prepare('SELECT * FROM instances WHERE instance_id = ?').get(instanceId) as
      InstanceRow | undefined;
  }

  listInstances(
    filter: { statuses?: string[]; createdFrom?: string; createdTo?: string; prefix?: string } = {},
  ): InstanceRow[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.statuses?.length) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(',')})`);
      args.push(...filter.statuses);
    }
    if (filter.createdFrom) {
      where.push('created_at >= ?');
      args.push(filter.createdFrom);
    }
    if (filter.createdTo) {
      where.push('created_at <= ?');
      args.push(filter.createdTo);
    }
    if (filter.prefix) {
      where.push('substr(instance_id, 1, ?) = ?');
      args.push(filter.prefix.length, filter.prefix);
    }
    const sql = `SELECT * FROM instances ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY created_at, instance_id`;
    return this.db.prepare(sql).all(...args) as InstanceRow[];
  }

  children(instanceId: string): InstanceRow[] {
    return this.db
      .prepare('SELECT * FROM instances WHERE parent_instance_id = ?')
      .all(instanceId) as InstanceRow[];
  }

  insertInstance(row: InstanceRow): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO instances (instance_id, name, execution_id, status, input, output, custom_status,
          parent_instance_id, parent_task_id, created_at, updated_at, completed_at)
         VALUES (@instance_id, @name, @execution_id, @status, @input, @output, @custom_status,
          @parent_instance_id, @parent_task_id, @created_at, @updated_at, @completed_at)`,
      )
      .run(row);
  }

  updateInstance(instanceId: string, fields: Partial<InstanceRow>): void {
    const keys = Object.keys(fields);
    if (keys.length === 0) return;
    this.db
      .prepare(
        `UPDATE instances SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE instance_id = @instance_id`,
      )
      .run({ ...fields, instance_id: instanceId });
  }

  history(instanceId: string): HistoryEvent[] {
    const rows = this.db
      .prepare('SELECT event FROM history WHERE instance_id = ? ORDER BY seq')
      .all(instanceId) as Array<{
      event: string;
    }>;
    return rows.map((row) => JSON.parse(row.event) as HistoryEvent);
  }

  appendHistory(instanceId: string, events: HistoryEvent[]): void {
    const next = (
      this.db
        .prepare('SELECT COALESCE(MAX(seq), -1) + 1 AS next FROM history WHERE instance_id = ?')
        .get(instanceId) as {
        next: number;
      }
    ).next;
    const insert = this.db.prepare('INSERT INTO history (instance_id, seq, event) VALUES (?, ?, ?)');
    events.forEach((event, i) =>
      insert.run(instanceId, next + i, JSON.stringify({ ...event, IsPlayed: false })),
    );
  }

  clearHistory(instanceId: string): void {
    this.db.prepare('DELETE FROM history WHERE instance_id = ?').run(instanceId);
  }

  enqueueMessage(instanceId: string, executionId: string | null, event: unknown, visibleAt: number): void {
    this.db
      .prepare('INSERT INTO messages (instance_id, execution_id, event, visible_at) VALUES (?, ?, ?, ?)')
      .run(instanceId, executionId, JSON.stringify(event), visibleAt);
  }

  visibleMessages(instanceId: string, now: number): MessageRow[] {
    return this.db
      .prepare('SELECT * FROM messages WHERE instance_id = ? AND visible_at <= ? ORDER BY visible_at, id')
      .all(instanceId, now) as MessageRow[];
  }

  instancesWithVisibleMessages(now: number): string[] {
    const rows = this.db
      .prepare(
        'SELECT instance_id, MIN(id) AS first FROM messages WHERE visible_at <= ? GROUP BY instance_id ORDER BY first',
      )
      .all(now) as Array<{ instance_id: string }>;
    return rows.map((row) => row.instance_id);
  }

  nextMessageTime(): number | undefined {
    const row = this.db.prepare('SELECT MIN(visible_at) AS at FROM messages').get() as { at: number | null };
    return row.at ?? undefined;
  }

  deleteMessages(ids: number[]): void {
    const del = this.db.prepare('DELETE FROM messages WHERE id = ?');
    for (const id of ids) del.run(id);
  }

  deleteInstanceWork(instanceId: string, keepRaisedEvents = false): void {
    this.db.prepare('DELETE FROM activities WHERE instance_id = ?').run(instanceId);
    if (keepRaisedEvents) {
      this.db
        .prepare('DELETE FROM messages WHERE instance_id = ? AND execution_id IS NOT NULL')
        .run(instanceId);
    } else {
      this.db.prepare('DELETE FROM messages WHERE instance_id = ?').run(instanceId);
    }
  }

  enqueueActivity(row: Omit<ActivityRow, 'id'>): void {
    this.db
      .prepare(
        'INSERT INTO activities (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)',
      )
      .run(row.instance_id, row.execution_id, row.task_id, row.name, row.input);
  }

  readyActivities(excluding: Set<number>, limit: number): ActivityRow[] {
    const rows = this.db
      .prepare('SELECT * FROM activities ORDER BY id LIMIT ?')
      .all(limit + excluding.size) as ActivityRow[];
    return rows.filter((row) => !excluding.has(row.id)).slice(0, limit);
  }

  getActivity(id: number): ActivityRow | undefined {
    return this.db.prepare('SELECT * FROM activities WHERE id = ?').get(id) as ActivityRow | undefined;
  }

  deleteActivity(id: number): void {
    this.db.prepare('DELETE FROM activities WHERE id = ?').run(id);
  }

  startExecution(instanceId: string, functionName: string, taskId: number, at: string): ExecutionRow {
    const attempt =
      (
        this.db
          .prepare(
            'SELECT COUNT(*) AS n FROM executions WHERE instance_id = ? AND task_id = ? AND function_name = ?',
          )
          .get(instanceId, taskId, functionName) as { n: number }
      ).n + 1;
    const info = this.db
      .prepare(
        'INSERT INTO executions (instance_id, function_name, task_id, attempt, started_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(instanceId, functionName, taskId, attempt, at);
    return this.db.prepare('SELECT * FROM executions WHERE id = ?').get(info.lastInsertRowid) as ExecutionRow;
  }

  endExecution(id: number, at: string, outcome: 'completed' | 'failed', error?: string): void {
    this.db
      .prepare('UPDATE executions SET ended_at = ?, outcome = ?, error = ? WHERE id = ?')
      .run(at, outcome, error ?? null, id);
  }

  executions(instanceIds: string[]): ExecutionRow[] {
    if (instanceIds.length === 0) return [];
    return this.db
      .prepare(
        `SELECT * FROM executions WHERE instance_id IN (${instanceIds.map(() => '?').join(',')}) ORDER BY id`,
      )
      .all(...instanceIds) as ExecutionRow[];
  }

  purge(instanceId: string): number {
    return this.transaction(() => {
      this.db.prepare('DELETE FROM history WHERE instance_id = ?').run(instanceId);
      this.db.prepare('DELETE FROM messages WHERE instance_id = ?').run(instanceId);
      this.db.prepare('DELETE FROM activities WHERE instance_id = ?').run(instanceId);
      this.db.prepare('DELETE FROM executions WHERE instance_id = ?').run(instanceId);
      return this.db.prepare('DELETE FROM instances WHERE instance_id = ?').run(instanceId).changes;
    });
  }
}
