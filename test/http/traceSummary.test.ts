import { summarizeHistory } from '../../functions/http/traceSummary';

describe('summarizeHistory', () => {
  test('raw Durable Task events: scheduled and completed pairs, retries, failures, children, raised events', () => {
    const history = [
      { EventType: 12, EventId: -1, Timestamp: '2026-01-01T00:00:00.000Z' },
      { EventType: 0, EventId: -1, Timestamp: '2026-01-01T00:00:00.000Z', Name: 'factoryRun' },
      { EventType: 4, EventId: 0, Timestamp: '2026-01-01T00:00:01.000Z', Name: 'publishEvent' },
      { EventType: 5, EventId: -1, Timestamp: '2026-01-01T00:00:01.250Z', TaskScheduledId: 0, Result: '{}' },
      { EventType: 4, EventId: 1, Timestamp: '2026-01-01T00:00:02.000Z', Name: 'visionArchitect' },
      {
        EventType: 6,
        EventId: -1,
        Timestamp: '2026-01-01T00:00:03.000Z',
        TaskScheduledId: 1,
        Reason: 'model timeout\n    at stack line',
      },
      { EventType: 4, EventId: 3, Timestamp: '2026-01-01T00:00:04.000Z', Name: 'visionArchitect' },
      {
        EventType: 7,
        EventId: 4,
        Timestamp: '2026-01-01T00:00:05.000Z',
        Name: 'visionToArchitecture',
        InstanceId: 'r:vision-to-architecture:1:1',
      },
      {
        EventType: 15,
        EventId: -1,
        Timestamp: '2026-01-01T00:00:06.000Z',
        Name: 'approval-architecture',
        Input: '{}',
      },
    ];
    const summary = summarizeHistory('r', history);
    expect(summary.activities).toEqual([
      {
        instanceId: 'r',
        name: 'publishEvent',
        taskId: 0,
        scheduledAt: '2026-01-01T00:00:01.000Z',
        endedAt: '2026-01-01T00:00:01.250Z',
        durationMs: 250,
        outcome: 'completed',
        error: null,
      },
      {
        instanceId: 'r',
        name: 'visionArchitect',
        taskId: 1,
        scheduledAt: '2026-01-01T00:00:02.000Z',
        endedAt: '2026-01-01T00:00:03.000Z',
        durationMs: 1000,
        outcome: 'failed',
        error: 'model timeout',
      },
      {
        instanceId: 'r',
        name: 'visionArchitect',
        taskId: 3,
        scheduledAt: '2026-01-01T00:00:04.000Z',
        endedAt: null,
        durationMs: null,
        outcome: 'running',
        error: null,
      },
    ]);
    expect(summary.children).toEqual(['r:vision-to-architecture:1:1']);
    expect(summary.events).toEqual([
      { instanceId: 'r', name: 'approval-architecture', at: '2026-01-01T00:00:06.000Z' },
    ]);
  });

  test('the Functions extension HTTP shape (string event types, completions carrying the function name)', () => {
    const history = [
      { EventType: 'ExecutionStarted', FunctionName: 'factoryRun', Timestamp: '2026-01-01T00:00:00Z' },
      {
        EventType: 'TaskCompleted',
        FunctionName: 'publishEvent',
        ScheduledTime: '2026-01-01T00:00:01Z',
        Timestamp: '2026-01-01T00:00:02Z',
      },
      {
        EventType: 'TaskFailed',
        FunctionName: 'evaluateGate',
        ScheduledTime: '2026-01-01T00:00:03Z',
        Timestamp: '2026-01-01T00:00:05Z',
        Reason: 'boom',
      },
      {
        EventType: 'SubOrchestrationInstanceCompleted',
        FunctionName: 'visionToArchitecture',
        ScheduledTime: '2026-01-01T00:00:06Z',
        Timestamp: '2026-01-01T00:00:07Z',
      },
      { EventType: 'EventRaised', Name: 'approval-architecture', Timestamp: '2026-01-01T00:00:08Z' },
      { EventType: 'ExecutionCompleted', Timestamp: '2026-01-01T00:00:09Z' },
    ];
    const summary = summarizeHistory('r', history);
    expect(summary.activities.map((a) => [a.name, a.outcome, a.durationMs, a.error])).toEqual([
      ['publishEvent', 'completed', 1000, null],
      ['evaluateGate', 'failed', 2000, 'boom'],
    ]);
    expect(summary.events.map((e) => e.name)).toEqual(['approval-architecture']);
  });

  test('anything that is not a history yields nothing rather than an error', () => {
    for (const value of [
      undefined,
      null,
      'text',
      42,
      { EventType: 4 },
      [null, 1, 'x', { EventType: 'TaskCompleted' }],
    ]) {
      const summary = summarizeHistory('r', value);
      expect(summary.children).toEqual([]);
      expect(summary.activities.every((a) => a.name === 'unknown')).toBe(true);
    }
  });
});
