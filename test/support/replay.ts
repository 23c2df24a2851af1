import { EventType, type HistoryEvent } from '../../local/durableHost/historyEvents';
import { runEpisode } from '../../local/durableHost/orchestrationEpisode';
import type { FunctionRegistry } from '../../local/durableHost/registry';
import type { DurableHost } from '../../local/durableHost/durableHost';

const scheduling = [
  EventType.TaskScheduled,
  EventType.TimerCreated,
  EventType.SubOrchestrationInstanceCreated,
];

/**
 * Replays a recorded history episode by episode through the registered orchestrator and returns, per
 * episode, what it scheduled then and what it schedules now. A deterministic orchestrator gives equal lists.
 */
export async function replayEpisodes(host: DurableHost, registry: FunctionRegistry, instanceId: string) {
  const status = host.getStatus(instanceId, { showInput: true })!;
  const history = host.store.history(instanceId);
  const registration = registry.require(status.name, 'orchestrationTrigger');
  const starts = history
    .map((e, i) => (e.EventType === EventType.OrchestratorStarted ? i : -1))
    .filter((i) => i >= 0);
  const results: Array<{ episode: number; recorded: string[]; replayed: string[] }> = [];
  for (let n = 0; n < starts.length; n++) {
    const end = n + 1 < starts.length ? starts[n + 1] : history.length;
    const episode = history.slice(starts[n], end);
    const recorded = episode.filter((e) => scheduling.includes(e.EventType)).map(describe);
    const inputs = episode.filter(
      (e) =>
        !scheduling.includes(e.EventType) &&
        e.EventType !== EventType.OrchestratorCompleted &&
        e.EventType !== EventType.ExecutionCompleted &&
        e.EventType !== EventType.ExecutionFailed,
    );
    const past = history.slice(0, starts[n]).map((e) => ({ ...e, IsPlayed: true }));
    const outcome = await runEpisode({
      registration,
      instanceId,
      parentInstanceId: status.parentInstanceId ?? null,
      input: status.input,
      history: [...past, ...inputs.map((e) => ({ ...e, IsPlayed: false }))],
      now: new Date(inputs[0].Timestamp),
      log: () => undefined,
    });
    const replayed =
      outcome.kind === 'running'
        ? outcome.schedules.map((s) => (s.kind === 'timer' ? `#${s.id} timer` : `#${s.id} ${s.name}`))
        : [];
    results.push({ episode: n, recorded, replayed });
  }
  return results;
}

function describe(event: HistoryEvent): string {
  return event.EventType === EventType.TimerCreated
    ? `#${event.EventId} timer`
    : `#${event.EventId} ${event.Name}`;
}

/** Every history event's payload size in bytes, for the payload limit. */
export function largestPayload(host: DurableHost, instanceIds: string[]): { bytes: number; where: string } {
  let largest = { bytes: 0, where: '' };
  for (const id of instanceIds) {
    for (const event of host.store.history(id)) {
      const bytes = Buffer.byteLength(event.Input ?? '') + Buffer.byteLength(event.Result ?? '');
      if (bytes > largest.bytes)
        largest = { bytes, where: `${id} ${EventType[event.EventType]} ${event.Name ?? ''}` };
    }
  }
  return largest;
}
