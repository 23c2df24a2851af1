import { InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { systemClock, type Clock } from './clock';
import { EventType, failureOf, historyEvent, payloadBytes, type HistoryEvent } from './historyEvents';
import { runEpisode, type EpisodeOutcome, type Schedule } from './orchestrationEpisode';
import { UnknownFunctionError, type FunctionRegistry } from './registry';
import {
  DurableStore,
  terminalStatuses,
  type ActivityRow,
  type InstanceRow,
  type MessageRow,
  type RuntimeStatus,
} from './store';

export interface DurableHostOptions {
  registry: FunctionRegistry;
  /** SQLite file, or `:memory:`. */
  databaseFile: string;
  clock?: Clock;
  /** Activities running at once (host.json `maxConcurrentActivityFunctions`). */
  maxConcurrentActivities?: number;
  /** Largest input or result a history event may carry. */
  maxPayloadBytes?: number;
  log?: (level: string, message: string) => void;
  /** How often to look for work written by other processes (e.g. `factory approve`), in ms. */
  pollIntervalMs?: number;
  /** How long an activity whose start or end could not be recorded (a full disk) waits to run again, in ms. */
  recordRetryDelayMs?: number;
}

export interface InstanceStatus {
  name: string;
  instanceId: string;
  createdTime: string;
  lastUpdatedTime: string;
  input: unknown;
  output: unknown;
  runtimeStatus: RuntimeStatus;
  customStatus: unknown;
  parentInstanceId?: string;
  history?: HistoryEvent[];
}

export interface TraceEntry {
  instanceId: string;
  functionName: string;
  taskId: number;
  attempt: number;
  startedAt: string;
  endedAt: string | null;
  /** `interrupted`: the process ended while it ran, so it ran again (at-least-once). */
  outcome: 'completed' | 'failed' | 'interrupted' | 'running';
  error: string | null;
}

export class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

export class InstanceExistsError extends Error {
  override name = 'InstanceExistsError';
}

/**
 * A durable task host for one process: it keeps orchestration history, queued activities, timers and raised
 * events in SQLite and drives the registered orchestrators through the durable-functions library's replay
 * engine, the same code path the Functions host uses in Azure.
 */
export class DurableHost {
  readonly store: DurableStore;
  readonly events = new EventEmitter();
  private readonly registry: FunctionRegistry;
  private readonly clock: Clock;
  private readonly maxConcurrentActivities: number;
  private readonly maxPayloadBytes: number;
  private readonly log: (level: string, message: string) => void;
  private readonly running = new Map<number, Promise<void>>();
  private pumping = false;
  private pumpAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private poller: NodeJS.Timeout | undefined;
  private readonly pollIntervalMs: number;
  private readonly recordRetryDelayMs: number;
  /** Activities whose start or end could not be recorded, waiting to run again. */
  private readonly deferred = new Set<number>();

  constructor(options: DurableHostOptions) {
    this.registry = options.registry;
    this.store = new DurableStore(options.databaseFile);
    this.clock = options.clock ?? systemClock;
    this.maxConcurrentActivities = options.maxConcurrentActivities ?? 10;
    this.maxPayloadBytes = options.maxPayloadBytes ?? 256 * 1024;
    this.log = options.log ?? (() => undefined);
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.recordRetryDelayMs = options.recordRetryDelayMs ?? 5000;
    this.events.setMaxListeners(0);
    this.clock.onAdvance?.(() => this.wake());
  }

  /** Starts processing; every unfinished instance in the store continues. */
  start(): void {
    this.stopped = false;
    this.poller = setInterval(() => this.wake(), this.pollIntervalMs);
    this.poller.unref();
    this.wake();
  }

  /** Stops taking new work and waits for running activities to finish. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.poller) clearInterval(this.poller);
    await Promise.allSettled([...this.running.values()]);
    while (this.pumping) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  close(): void {
    this.store.close();
  }

  // ---- client operations -------------------------------------------------------------------------------------

  startNew(name: string, options: { instanceId?: string; input?: unknown } = {}): string {
    this.registry.require(name, 'orchestrationTrigger');
    const instanceId = options.instanceId ?? randomUUID().replace(/-/g, '');
    const input = options.input === undefined ? null : JSON.stringify(options.input);
    this.checkPayload(`input of ${name}`, input);
    this.store.transaction(() => {
      const existing = this.store.getInstance(instanceId);
      if (existing && !terminalStatuses.includes(existing.status)) {
        throw new InstanceExistsError(
          `an instance with id '${instanceId}' already exists and is ${existing.status}`,
        );
      }
      if (existing) this.store.purge(instanceId);
      this.createInstance({ instanceId, name, input, parentInstanceId: null, parentTaskId: null });
    });
    this.wake();
    return instanceId;
  }

  raiseEvent(instanceId: string, eventName: string, data: unknown): 'raised' | 'not-found' | 'gone' {
    const result = this.store.transaction(() => {
      const instance = this.store.getInstance(instanceId);
      if (!instance) return 'not-found' as const;
      if (terminalStatuses.includes(instance.status)) return 'gone' as const;
      const event = historyEvent(EventType.EventRaised, new Date(this.clock.now()), {
        Name: eventName,
        Input: data === undefined ? undefined : JSON.stringify(data),
      });
      this.store.enqueueMessage(instanceId, null, event, this.clock.now());
      return 'raised' as const;
    });
    this.wake();
    return result;
  }

  terminate(instanceId: string, reason: string): 'terminated' | 'not-found' | 'gone' {
    const result = this.store.transaction(() => {
      const instance = this.store.getInstance(instanceId);
      if (!instance) return 'not-found' as const;
      if (terminalStatuses.includes(instance.status)) return 'gone' as const;
      this.terminateTree(instance, reason);
      return 'terminated' as const;
    });
    this.events.emit('updated', instanceId);
    return result;
  }

  purge(instanceId: string): number {
    const instance = this.store.getInstance(instanceId);
    if (!instance) return 0;
    if (!terminalStatuses.includes(instance.status)) {
      throw new Error(
        `instance '${instanceId}' is ${instance.status}; only finished instances can be purged`,
      );
    }
    let purged = 0;
    for (const child of this.store.children(instanceId)) purged += this.purge(child.instance_id);
    return purged + this.store.purge(instanceId);
  }

  getStatus(
    instanceId: string,
    options: { showHistory?: boolean; showInput?: boolean } = {},
  ): InstanceStatus | undefined {
    const row = this.store.getInstance(instanceId);
    if (!row) return undefined;
    return this.toStatus(row, options);
  }

  listInstances(
    filter: { statuses?: string[]; createdFrom?: string; createdTo?: string; prefix?: string } = {},
  ): InstanceStatus[] {
    return this.store.listInstances(filter).map((row) => this.toStatus(row, { showInput: true }));
  }

  /** Activity executions of an instance and its sub-orchestrations, in start order. */
  trace(instanceId: string): TraceEntry[] {
    const ids = this.instanceTree(instanceId);
    return this.store.executions(ids).map((row) => ({
      instanceId: row.instance_id,
      functionName: row.function_name,
      taskId: row.task_id,
      attempt: row.attempt,
      startedAt: row.started_at,
      endedAt: row.ended_at,
      outcome:
        row.outcome ?? (this.isActivityRunning(row.instance_id, row.task_id) ? 'running' : 'interrupted'),
      error: row.error,
    }));
  }

  /** The instance and every sub-orchestration under it. */
  instanceTree(instanceId: string): string[] {
    const ids = [instanceId];
    for (let i = 0; i < ids.length; i++) ids.push(...this.store.children(ids[i]).map((c) => c.instance_id));
    return ids.filter((id) => this.store.getInstance(id));
  }

  /** Resolves when the instance reaches a terminal state (or the timeout passes, then returns its status). */
  async waitForCompletion(instanceId: string, timeoutMs = Infinity): Promise<InstanceStatus | undefined> {
    return new Promise((resolve) => {
      let timeout: NodeJS.Timeout | undefined;
      const check = () => {
        const status = this.getStatus(instanceId);
        if (!status || terminalStatuses.includes(status.runtimeStatus)) {
          this.events.off('updated', check);
          if (timeout) clearTimeout(timeout);
          resolve(status);
        }
      };
      this.events.on('updated', check);
      if (Number.isFinite(timeoutMs)) {
        timeout = setTimeout(() => {
          this.events.off('updated', check);
          resolve(this.getStatus(instanceId));
        }, timeoutMs);
      }
      check();
    });
  }

  /** True when nothing is queued, running or waiting on a timer. */
  isIdle(): boolean {
    return (
      this.running.size === 0 &&
      this.store.nextMessageTime() === undefined &&
      this.store.readyActivities(new Set(), 1).length === 0
    );
  }

  // ---- processing ----------------------------------------------------------------------------------------------

  wake(): void {
    if (this.stopped) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    setImmediate(() => void this.pump());
  }

  private async pump(): Promise<void> {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        for (const instanceId of this.store.instancesWithVisibleMessages(this.clock.now())) {
          if (this.stopped) return;
          await this.processInstance(instanceId);
          // An episode can queue work for another instance (a parent, a child): look again.
          this.pumpAgain = true;
        }
        this.startActivities();
      } while (this.pumpAgain && !this.stopped);
    } catch (error) {
      this.log('error', `durable host: ${(error as Error).stack ?? error}`);
    } finally {
      this.pumping = false;
    }
    this.armTimer();
  }

  private armTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    const next = this.store.nextMessageTime();
    if (next === undefined) return;
    const delay = Math.max(0, Math.min(next - this.clock.now(), 2 ** 31 - 1));
    // A manual clock wakes the host when advanced; only real time needs a timer.
    if (this.clock.onAdvance && delay > 0) return;
    this.timer = setTimeout(() => this.wake(), delay);
    this.timer.unref?.();
  }

  /**
   * One episode of an instance: replay its history with the messages now visible, run the orchestrator, then
   * commit what it decided in one transaction. Messages of an earlier execution are dropped.
   */
  private async processInstance(instanceId: string): Promise<void> {
    const instance = this.store.getInstance(instanceId);
    const now = new Date(this.clock.now());
    const messages = this.store.visibleMessages(instanceId, now.getTime());
    if (!instance || terminalStatuses.includes(instance.status)) {
      this.store.deleteMessages(messages.map((m) => m.id));
      return;
    }
    const fresh = messages.filter((m) => m.execution_id === null || m.execution_id === instance.execution_id);
    const stale = messages.filter((m) => !fresh.includes(m));
    if (fresh.length === 0) {
      this.store.deleteMessages(stale.map((m) => m.id));
      return;
    }
    const episodeEvents = this.episodeEvents(fresh, now);
    const past = this.store.history(instanceId).map((e) => ({ ...e, IsPlayed: true }));
    const outcome = await this.runOrchestrator(instance, [...past, ...episodeEvents], now);
    this.commitEpisode(instance, messages, episodeEvents, outcome, now);
    this.store.deleteMessages(stale.map((m) => m.id));
    this.events.emit('updated', instanceId);
  }

  /** The events an episode adds to the history: its start, then the messages (an execution's start first). */
  private episodeEvents(fresh: MessageRow[], now: Date): HistoryEvent[] {
    const incoming = fresh.map((m) => JSON.parse(m.event) as HistoryEvent);
    incoming.sort(
      (a, b) =>
        Number(b.EventType === EventType.ExecutionStarted) -
        Number(a.EventType === EventType.ExecutionStarted),
    );
    return [historyEvent(EventType.OrchestratorStarted, now), ...incoming];
  }

  private async runOrchestrator(
    instance: InstanceRow,
    history: HistoryEvent[],
    now: Date,
  ): Promise<EpisodeOutcome> {
    const registration = this.registry.get(instance.name);
    if (!registration || registration.triggerType !== 'orchestrationTrigger') {
      return {
        kind: 'failed',
        error: new UnknownFunctionError(`no orchestrator function named '${instance.name}' is registered`),
        customStatus: undefined,
      };
    }
    return runEpisode({
      registration,
      instanceId: instance.instance_id,
      parentInstanceId: instance.parent_instance_id,
      input: instance.input === null ? undefined : JSON.parse(instance.input),
      history,
      now,
      log: this.log,
    });
  }

  /**
   * Records an episode's outcome and consumes its messages in one transaction, unless the instance ended or
   * was replaced by a new execution while the orchestrator ran.
   */
  private commitEpisode(
    instance: InstanceRow,
    messages: MessageRow[],
    episodeEvents: HistoryEvent[],
    outcome: EpisodeOutcome,
    now: Date,
  ): void {
    this.store.transaction(() => {
      const current = this.store.getInstance(instance.instance_id);
      if (
        !current ||
        current.execution_id !== instance.execution_id ||
        terminalStatuses.includes(current.status)
      )
        return;
      this.store.deleteMessages(messages.map((m) => m.id));
      const newEvents = [...episodeEvents];
      const customStatus = outcome.customStatus === undefined ? null : JSON.stringify(outcome.customStatus);
      switch (outcome.kind) {
        case 'running':
          this.recordRunning(instance, newEvents, outcome.schedules, customStatus, now);
          break;
        case 'completed':
          this.recordCompleted(instance, newEvents, outcome.output, customStatus, now);
          break;
        case 'failed':
          this.log(
            'warning',
            `orchestration ${instance.name} (${instance.instance_id}) failed: ${outcome.error.message}`,
          );
          this.finish(
            instance,
            newEvents,
            now,
            'Failed',
            JSON.stringify(outcome.error.message),
            customStatus,
            outcome.error,
          );
          break;
        case 'continuedAsNew':
          this.continueAsNew(instance, outcome.input, customStatus, now);
          break;
      }
    });
  }

  /** The orchestrator waits: the work it scheduled is queued with the history that records it. */
  private recordRunning(
    instance: InstanceRow,
    newEvents: HistoryEvent[],
    schedules: Schedule[],
    customStatus: string | null,
    now: Date,
  ): void {
    for (const schedule of schedules) newEvents.push(this.applySchedule(instance, schedule, now));
    newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
    this.store.appendHistory(instance.instance_id, newEvents);
    this.store.updateInstance(instance.instance_id, {
      status: 'Running',
      custom_status: customStatus,
      updated_at: now.toISOString(),
    });
  }

  /** The orchestrator returned: completed with its output, or failed when the output is too large to keep. */
  private recordCompleted(
    instance: InstanceRow,
    newEvents: HistoryEvent[],
    result: unknown,
    customStatus: string | null,
    now: Date,
  ): void {
    const output: string | null = result === undefined ? null : JSON.stringify(result);
    try {
      this.checkPayload(`output of ${instance.name}`, output);
    } catch (error) {
      this.finish(
        instance,
        newEvents,
        now,
        'Failed',
        JSON.stringify((error as Error).message),
        customStatus,
        error as Error,
      );
      return;
    }
    this.finish(instance, newEvents, now, 'Completed', output, customStatus);
  }

  /** A new execution of the same instance: its history and queued work go, and it starts again with `input`. */
  private continueAsNew(instance: InstanceRow, next: unknown, customStatus: string | null, now: Date): void {
    const instanceId = instance.instance_id;
    const input = next === undefined ? null : JSON.stringify(next);
    const executionId = randomUUID();
    this.store.clearHistory(instanceId);
    this.store.deleteInstanceWork(instanceId, true);
    this.store.updateInstance(instanceId, {
      status: 'Running',
      execution_id: executionId,
      input,
      custom_status: customStatus,
      updated_at: now.toISOString(),
    });
    this.store.enqueueMessage(
      instanceId,
      executionId,
      historyEvent(EventType.ExecutionStarted, now, { Name: instance.name, Input: input ?? undefined }),
      now.getTime(),
    );
  }

  private finish(
    instance: InstanceRow,
    newEvents: HistoryEvent[],
    now: Date,
    status: 'Completed' | 'Failed',
    output: string | null,
    customStatus: string | null,
    error?: Error,
  ): void {
    newEvents.push(historyEvent(EventType.OrchestratorCompleted, now));
    newEvents.push(
      historyEvent(status === 'Completed' ? EventType.ExecutionCompleted : EventType.ExecutionFailed, now, {
        Result: output ?? undefined,
      }),
    );
    this.store.appendHistory(instance.instance_id, newEvents);
    this.store.deleteInstanceWork(instance.instance_id);
    this.store.updateInstance(instance.instance_id, {
      status,
      output,
      custom_status: customStatus,
      updated_at: now.toISOString(),
      completed_at: now.toISOString(),
    });
    if (instance.parent_instance_id !== null && instance.parent_task_id !== null) {
      const parent = this.store.getInstance(instance.parent_instance_id);
      if (parent && !terminalStatuses.includes(parent.status)) {
        const event =
          status === 'Completed'
            ? historyEvent(EventType.SubOrchestrationInstanceCompleted, now, {
                TaskScheduledId: instance.parent_task_id,
                Result: output ?? 'null',
              })
            : historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
                TaskScheduledId: instance.parent_task_id,
                ...failureOf(error ?? new Error('sub-orchestration failed')),
              });
        this.store.enqueueMessage(parent.instance_id, parent.execution_id, event, now.getTime());
      }
    }
  }

  /** Queues what one scheduled task needs and returns the history event that records the scheduling. */
  private applySchedule(instance: InstanceRow, schedule: Schedule, now: Date): HistoryEvent {
    switch (schedule.kind) {
      case 'activity':
        return this.scheduleActivity(instance, schedule, now);
      case 'timer':
        return this.scheduleTimer(instance, schedule, now);
      case 'subOrchestration':
        return this.scheduleSubOrchestration(instance, schedule, now);
    }
  }

  private scheduleActivity(
    instance: InstanceRow,
    schedule: Extract<Schedule, { kind: 'activity' }>,
    now: Date,
  ): HistoryEvent {
    this.store.enqueueActivity({
      instance_id: instance.instance_id,
      execution_id: instance.execution_id,
      task_id: schedule.id,
      name: schedule.name,
      input: schedule.input ?? null,
    });
    return historyEvent(EventType.TaskScheduled, now, {
      EventId: schedule.id,
      Name: schedule.name,
      Input: schedule.input,
      ...(schedule.retry ? { Retry: true } : {}),
    });
  }

  /** The timer's firing is a message that becomes visible when it is due. */
  private scheduleTimer(
    instance: InstanceRow,
    schedule: Extract<Schedule, { kind: 'timer' }>,
    now: Date,
  ): HistoryEvent {
    const fireAt = schedule.fireAt.toISOString();
    this.store.enqueueMessage(
      instance.instance_id,
      instance.execution_id,
      historyEvent(EventType.TimerFired, schedule.fireAt, { TimerId: schedule.id, FireAt: fireAt }),
      schedule.fireAt.getTime(),
    );
    return historyEvent(EventType.TimerCreated, now, {
      EventId: schedule.id,
      FireAt: fireAt,
      ...(schedule.retry ? { Retry: true } : {}),
    });
  }

  /** Creates the child instance, or tells the parent at once why it cannot (unknown name, id in use). */
  private scheduleSubOrchestration(
    instance: InstanceRow,
    schedule: Extract<Schedule, { kind: 'subOrchestration' }>,
    now: Date,
  ): HistoryEvent {
    const childId = schedule.instanceId || `${instance.instance_id}:${String(schedule.id).padStart(4, '0')}`;
    const existing = this.store.getInstance(childId);
    const refusal = this.subOrchestrationRefusal(schedule.name, childId, existing);
    if (refusal) {
      this.store.enqueueMessage(
        instance.instance_id,
        instance.execution_id,
        historyEvent(EventType.SubOrchestrationInstanceFailed, now, {
          TaskScheduledId: schedule.id,
          ...failureOf(refusal),
        }),
        now.getTime(),
      );
    } else {
      if (existing) this.store.purge(childId);
      this.createInstance({
        instanceId: childId,
        name: schedule.name,
        input: schedule.input ?? null,
        parentInstanceId: instance.instance_id,
        parentTaskId: schedule.id,
      });
    }
    return historyEvent(EventType.SubOrchestrationInstanceCreated, now, {
      ...(schedule.retry ? { Retry: true } : {}),
      EventId: schedule.id,
      Name: schedule.name,
      InstanceId: childId,
      Input: schedule.input,
    });
  }

  private subOrchestrationRefusal(
    name: string,
    childId: string,
    existing: InstanceRow | undefined,
  ): Error | undefined {
    const known = this.registry.get(name);
    if (!known || known.triggerType !== 'orchestrationTrigger')
      return new UnknownFunctionError(`no orchestrator function named '${name}' is registered`);
    if (existing && !terminalStatuses.includes(existing.status))
      return new InstanceExistsError(
        `sub-orchestration instance '${childId}' already exists and is ${existing.status}`,
      );
    return undefined;
  }

  private createInstance(args: {
    instanceId: string;
    name: string;
    input: string | null;
    parentInstanceId: string | null;
    parentTaskId: number | null;
  }): void {
    const now = new Date(this.clock.now());
    const executionId = randomUUID();
    this.store.insertInstance({
      instance_id: args.instanceId,
      name: args.name,
      execution_id: executionId,
      status: 'Pending',
      input: args.input,
      output: null,
      custom_status: null,
      parent_instance_id: args.parentInstanceId,
      parent_task_id: args.parentTaskId,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
      completed_at: null,
    });
    this.store.enqueueMessage(
      args.instanceId,
      executionId,
      historyEvent(EventType.ExecutionStarted, now, { Name: args.name, Input: args.input ?? undefined }),
      now.getTime(),
    );
  }

  private terminateTree(instance: InstanceRow, reason: string): void {
    const now = new Date(this.clock.now());
    this.store.appendHistory(instance.instance_id, [
      historyEvent(EventType.ExecutionTerminated, now, { Input: JSON.stringify(reason) }),
    ]);
    this.store.deleteInstanceWork(instance.instance_id);
    this.store.updateInstance(instance.instance_id, {
      status: 'Terminated',
      output: JSON.stringify(reason),
      updated_at: now.toISOString(),
      completed_at: now.toISOString(),
    });
    for (const child of this.store.children(instance.instance_id)) {
      if (!terminalStatuses.includes(child.status)) this.terminateTree(child, reason);
    }
  }

  private startActivities(): void {
    if (this.stopped) return;
    const free = this.maxConcurrentActivities - this.running.size;
    if (free <= 0) return;
    const busy = new Set([...this.running.keys(), ...this.deferred]);
    for (const row of this.store.readyActivities(busy, free)) {
      const work = this.runActivity(row)
        .catch((error: unknown) => this.deferActivity(row, error))
        .finally(() => {
          this.running.delete(row.id);
          this.wake();
        });
      this.running.set(row.id, work);
    }
  }

  /**
   * The store refused to record an activity's start or end (a full disk): its transaction rolled back, so the
   * activity is still queued. It runs again after a pause (at-least-once, as after a crash) rather than at once,
   * which would spin while the disk stays full.
   */
  private deferActivity(row: ActivityRow, error: unknown): void {
    this.log(
      'error',
      `durable host: could not record activity ${row.name} (task ${row.task_id} of ${row.instance_id}); it runs again in ${this.recordRetryDelayMs} ms: ${(error as Error).message ?? error}`,
    );
    this.deferred.add(row.id);
    const timer = setTimeout(() => {
      this.deferred.delete(row.id);
      this.wake();
    }, this.recordRetryDelayMs);
    timer.unref();
  }

  private isActivityRunning(instanceId: string, taskId: number): boolean {
    for (const id of this.running.keys()) {
      const row = this.store.getActivity(id);
      if (row && row.instance_id === instanceId && row.task_id === taskId) return true;
    }
    return false;
  }

  private async runActivity(row: ActivityRow): Promise<void> {
    const startedAt = new Date(this.clock.now()).toISOString();
    const execution = this.store.startExecution(row.instance_id, row.name, row.task_id, startedAt);
    let event: HistoryEvent;
    try {
      const registration = this.registry.require(row.name, 'activityTrigger');
      const bindings = Object.entries(registration.bindings);
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: row.name,
        logHandler: (level, ...args) => this.log(level, `[${row.name}] ${args.map(String).join(' ')}`),
        options: {
          trigger: {
            ...bindings.find(([name]) => name === registration.triggerName)![1],
            name: registration.triggerName,
            type: registration.triggerType,
          },
          extraInputs: [],
          extraOutputs: [],
        },
      });
      // The library JSON-encodes string inputs itself (Utils.processInput), so activities see them encoded, as in Azure.
      const input = row.input === null ? undefined : JSON.parse(row.input);
      const result = await registration.handler(input, context);
      const encoded = result === undefined ? undefined : JSON.stringify(result);
      this.checkPayload(`result of ${row.name}`, encoded ?? null);
      // The library parses every result; "no result" travels as JSON null.
      event = historyEvent(EventType.TaskCompleted, new Date(this.clock.now()), {
        TaskScheduledId: row.task_id,
        Result: encoded ?? 'null',
      });
    } catch (error) {
      event = historyEvent(EventType.TaskFailed, new Date(this.clock.now()), {
        TaskScheduledId: row.task_id,
        ...failureOf(error),
      });
    }
    const endedAt = new Date(this.clock.now()).toISOString();
    this.store.transaction(() => {
      if (!this.store.getActivity(row.id)) return; // terminated meanwhile
      this.store.deleteActivity(row.id);
      const instance = this.store.getInstance(row.instance_id);
      if (
        instance &&
        instance.execution_id === row.execution_id &&
        !terminalStatuses.includes(instance.status)
      ) {
        this.store.enqueueMessage(row.instance_id, row.execution_id, event, this.clock.now());
      }
      this.store.endExecution(
        execution.id,
        endedAt,
        event.EventType === EventType.TaskCompleted ? 'completed' : 'failed',
        event.Reason,
      );
    });
    if (payloadBytes(event) > this.maxPayloadBytes) this.log('warning', `oversized payload from ${row.name}`);
  }

  private checkPayload(what: string, json: string | null): void {
    const bytes = json === null ? 0 : Buffer.byteLength(json);
    if (bytes > this.maxPayloadBytes) {
      throw new PayloadTooLargeError(
        `${what} is ${bytes} bytes, over the ${this.maxPayloadBytes}-byte limit for durable payloads; pass artifact references instead of contents`,
      );
    }
  }

  private toStatus(
    row: InstanceRow,
    options: { showHistory?: boolean; showInput?: boolean },
  ): InstanceStatus {
    return {
      name: row.name,
      instanceId: row.instance_id,
      createdTime: row.created_at,
      lastUpdatedTime: row.updated_at,
      input: options.showInput === false ? null : row.input === null ? null : JSON.parse(row.input),
      output: row.output === null ? null : JSON.parse(row.output),
      runtimeStatus: row.status === 'ContinuedAsNew' ? 'Running' : row.status,
      customStatus: row.custom_status === null ? null : JSON.parse(row.custom_status),
      parentInstanceId: row.parent_instance_id ?? undefined,
      history: options.showHistory ? this.store.history(row.instance_id) : undefined,
    };
  }
}
