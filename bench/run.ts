// Wall time of one full run of a vision through the CLI, split by phase, with the share spent outside agent
// activities (orchestration, gates, event publishing, run-state writes). Run with `node dist/bench/run.js [vision]`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { runInstanceId } from '../platform/runs/instanceIds';
import { openBenchSession, projectRoot as root } from './benchFactory';
const bin = join(root, 'bin/factory.js');
// Activities that are not agents: their time counts as orchestration overhead.
const PLATFORM_ACTIVITIES = new Set(['evaluateGate', 'publishEvent', 'recordRunState', 'sealPhase']);

interface Orchestration {
  instanceId: string;
  name: string;
  createdTime: string;
  lastUpdatedTime: string;
  parentInstanceId: string | null;
}
interface Activity {
  instanceId: string;
  functionName: string;
  startedAt: string;
  endedAt: string | null;
}

function cli(home: string, args: string[]): string {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    env: { ...process.env, FACTORY_HOME: home, FACTORY_KEEP_DEPLOYED: 'false' },
    encoding: 'utf8',
    timeout: 900000,
  });
  if (result.status !== 0)
    throw new Error(`factory ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return result.stdout;
}

/** Length of the union of [start, end] intervals, in ms. */
function covered(intervals: Array<[number, number]>): number {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0]);
  let total = 0;
  let [from, to] = [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY];
  for (const [s, e] of sorted) {
    if (s > to) {
      if (to > from) total += to - from;
      [from, to] = [s, e];
    } else to = Math.max(to, e);
  }
  if (to > from) total += to - from;
  return total;
}

export async function benchRun(vision = 'neighbourhood-tool-library'): Promise<Record<string, unknown>> {
  const file = join(root, 'examples/visions', `${vision}.md`);
  if (!existsSync(file)) throw new Error(`no vision ${file}`);
  const home = mkdtempSync(join(tmpdir(), 'bench-run-'));
  const started = Date.now();
  const summary = JSON.parse(cli(home, ['run', '--vision-file', file, '--run-id', 'bench', '--json']));
  const processMs = Date.now() - started;
  if (summary.status !== 'Completed') throw new Error(`run ended ${summary.status}`);
  const trace = JSON.parse(cli(home, ['trace', 'bench', '--json'])) as {
    orchestrations: Orchestration[];
    activities: Activity[];
  };
  const root_ = trace.orchestrations.find((o) => o.parentInstanceId === null)!;
  const runMs = Date.parse(root_.lastUpdatedTime) - Date.parse(root_.createdTime);
  const phases = trace.orchestrations
    .filter((o) => o.parentInstanceId === root_.instanceId)
    .map((o) => {
      const wallMs = Date.parse(o.lastUpdatedTime) - Date.parse(o.createdTime);
      const mine = trace.activities.filter((a) => a.instanceId.startsWith(o.instanceId) && a.endedAt);
      const span = (list: Activity[]) =>
        covered(list.map((a) => [Date.parse(a.startedAt), Date.parse(a.endedAt!)] as [number, number]));
      const agentMs = span(mine.filter((a) => !PLATFORM_ACTIVITIES.has(a.functionName)));
      const gateMs = span(mine.filter((a) => a.functionName === 'evaluateGate'));
      const anyActivityMs = span(mine);
      return {
        phase: o.name,
        wallMs,
        agentMs,
        gateMs,
        outsideAgentsMs: wallMs - agentMs,
        outsideAgentsShare: Number(((wallMs - agentMs) / wallMs).toFixed(3)),
        // Time in which no activity of the phase ran at all: replay, scheduling, queueing, persistence.
        orchestrationOnlyMs: wallMs - anyActivityMs,
      };
    });
  const durable = await durableCounts(home, 'bench');
  const phaseMs = phases.reduce((s, p) => s + p.wallMs, 0);
  const outside = phases.reduce((s, p) => s + p.outsideAgentsMs, 0);
  const orchestrationOnly = phases.reduce((s, p) => s + p.orchestrationOnlyMs, 0);
  return {
    vision,
    orchestrationOnlyShareOfPhases: Number((orchestrationOnly / phaseMs).toFixed(3)),
    processMs,
    runMs,
    betweenPhasesMs: runMs - phaseMs,
    outsideAgentsShareOfPhases: Number((outside / phaseMs).toFixed(3)),
    durable,
    phases,
  };
}

/**
 * Durable actions (schedules, completions, timers, raised events) and history sizes of the run's instance tree, read
 * from the embedded host's store in FACTORY_HOME after the run ended.
 */
async function durableCounts(home: string, runId: string): Promise<Record<string, unknown>> {
  const session = await openBenchSession(home, { process: false });
  const { EventType } = await import('../local/durableHost/historyEvents');
  try {
    const host = session.factory.host;
    const ids = host.instanceTree(runInstanceId(session.tenantId, runId));
    const actionTypes = new Set<number>([
      EventType.TaskScheduled,
      EventType.TaskCompleted,
      EventType.TaskFailed,
      EventType.SubOrchestrationInstanceCreated,
      EventType.SubOrchestrationInstanceCompleted,
      EventType.SubOrchestrationInstanceFailed,
      EventType.TimerCreated,
      EventType.TimerFired,
      EventType.EventRaised,
    ]);
    let actions = 0;
    let total = 0;
    let max = { events: 0, instanceId: '' };
    let largest = { bytes: 0, where: '' };
    for (const id of ids) {
      const history = host.store.history(id);
      total += history.length;
      if (history.length > max.events) max = { events: history.length, instanceId: id };
      for (const event of history) {
        if (actionTypes.has(event.EventType)) actions++;
        const bytes = Buffer.byteLength(event.Input ?? '') + Buffer.byteLength(event.Result ?? '');
        if (bytes > largest.bytes)
          largest = { bytes, where: `${id} ${EventType[event.EventType]} ${event.Name ?? ''}` };
      }
    }
    return {
      instances: ids.length,
      durableActions: actions,
      historyEvents: total,
      maxPerInstance: max,
      largestPayload: largest,
    };
  } finally {
    await session.close();
  }
}

if (require.main === module)
  benchRun(process.argv[2])
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
