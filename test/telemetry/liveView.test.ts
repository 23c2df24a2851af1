import { cut, renderRunView, runSnapshot } from '../../local/cli/liveView';
import { followRun } from '../../local/cli/progress';
import type { Session } from '../../local/cli/session';
import type { TraceEntry } from '../../local/durableHost/durableHost';
import type { RunDocument } from '../../core/ports/runStore';

const esc = String.fromCharCode(27);
const stripAnsi = (s: string) =>
  s
    .split(esc)
    .map((part, i) => (i === 0 ? part : part.replace(/^\[[0-9;]*m/, '')))
    .join('');

const t = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 12, 0, seconds)).toISOString();

function runDoc(overrides: Partial<RunDocument> = {}): RunDocument {
  return {
    id: 'run-1',
    tenantId: 'acme',
    name: 'PlotShare',
    visionTitle: 'PlotShare',
    visionPath: 'input/vision.md',
    status: 'Running',
    createdAt: t(0),
    updatedAt: t(30),
    options: { approvals: ['architecture'], iterations: 2, model: 'blueprint' },
    iteration: 1,
    phases: [
      {
        phase: 'vision-to-architecture',
        iteration: 1,
        attempt: 1,
        status: 'Completed',
        startedAt: t(1),
        endedAt: t(20),
      },
      {
        phase: 'architecture-to-development',
        iteration: 1,
        attempt: 1,
        status: 'Running',
        startedAt: t(21),
        feedback: ['a finding'],
      },
    ],
    gates: [
      {
        phase: 'vision-to-architecture',
        iteration: 1,
        attempt: 1,
        passed: true,
        criteria: [{ name: 'c1', value: 1, threshold: 1, passed: true, findings: [] }],
        reportPath: 'r',
        at: t(19),
      },
    ],
    approvals: [
      {
        gate: 'architecture',
        iteration: 1,
        attempt: 1,
        requestedAt: t(20),
        decision: 'approve',
        by: 'ana',
        decidedAt: t(21),
      },
    ],
    artifacts: [],
    counters: { agentCalls: 3, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
    ...overrides,
  };
}

const trace: TraceEntry[] = [
  {
    instanceId: 'run-1:vision-to-architecture:1:1',
    functionName: 'visionArchitect',
    taskId: 1,
    attempt: 1,
    startedAt: t(2),
    endedAt: t(4),
    outcome: 'completed',
    error: null,
  },
  {
    instanceId: 'run-1:architecture-to-development:1:1',
    functionName: 'techLead',
    taskId: 1,
    attempt: 1,
    startedAt: t(22),
    endedAt: t(23),
    outcome: 'failed',
    error: 'Error: flaky\nstack',
  },
  {
    instanceId: 'run-1:architecture-to-development:1:1',
    functionName: 'techLead',
    taskId: 2,
    attempt: 2,
    startedAt: t(24),
    endedAt: null,
    outcome: 'running',
    error: null,
  },
  {
    instanceId: 'run-1:architecture-to-development:1:1',
    functionName: 'backendDeveloper',
    taskId: 3,
    attempt: 1,
    startedAt: t(24),
    endedAt: null,
    outcome: 'running',
    error: null,
  },
];

describe('the live run view', () => {
  it('shows phases with their agents, state, time, gate and approval', () => {
    const snapshot = runSnapshot(runDoc(), trace, { runtimeStatus: 'Running' }, Date.parse(t(30)));
    const lines = renderRunView(snapshot);
    expect(lines[0]).toBe('PlotShare  Running  run-1 · iteration 1/2 · 30.0s · 3 agent calls');
    expect(lines).toContain('✔ Vision to Architecture  attempt 1 · 19.0s');
    expect(lines).toContain(`    ✓ ${'Vision Architect'.padEnd(26)}   2.0s`);
    expect(lines).toContain('    ✓ quality gate passed (1/1 criteria)');
    expect(lines).toContain("    ✓ approved 'architecture' by ana");
    expect(lines).toContain('⠋ Architecture to Development  attempt 1, 1 finding(s) fed back · 9.0s');
    expect(lines).toContain(`    ↻ ${'Tech Lead'.padEnd(26)}   8.0s  retrying (attempt 2): Error: flaky`);
    expect(lines).toContain(`    ⠋ ${'Backend Developer'.padEnd(26)}   6.0s`);
    expect(lines.some((l) => l.startsWith('○ Development to Testing'))).toBe(true);
  });

  it('says what the run waits for, and why it failed', () => {
    const waiting = runDoc({
      status: 'WaitingForApproval',
      approvals: [{ gate: 'architecture', iteration: 1, attempt: 1, requestedAt: t(20) }],
      phases: [runDoc().phases[0]],
    });
    const lines = renderRunView(runSnapshot(waiting, trace, { runtimeStatus: 'Running' }, Date.parse(t(30))));
    expect(lines).toContain(
      `    ⏸ waiting for approval of 'architecture': factory approve run-1 architecture  (or --reject --reason "...")`,
    );
    const failed = runDoc({ status: 'Failed', failure: { reason: 'gate-failed', message: 'no tests' } });
    const end = renderRunView(runSnapshot(failed, trace, { runtimeStatus: 'Completed' }));
    expect(end[end.length - 1]).toBe('gate-failed: no tests');
    expect(end).toContain('✘ Architecture to Development  attempt 1, 1 finding(s) fed back · 9.0s');
  });

  it('colours for a terminal and cuts lines to its width without breaking escape sequences', () => {
    const lines = renderRunView(
      runSnapshot(runDoc(), trace, { runtimeStatus: 'Running' }, Date.parse(t(30))),
      { color: true, width: 20 },
    );
    expect(lines[0]).toContain('\x1b[1m');
    for (const line of lines) expect(stripAnsi(line).length).toBeLessThanOrEqual(20);
    expect(cut('\x1b[32mabcdef\x1b[0m', 4)).toBe('\x1b[32mabc…\x1b[0m');
    expect(cut('abc', 4)).toBe('abc');
  });
});

describe('followRun', () => {
  function fakeSession(docs: RunDocument[]): Session {
    let calls = 0;
    return {
      tenantId: 'acme',
      home: '/tmp',
      ports: { runs: { get: async () => docs[Math.min(calls++, docs.length - 1)] } },
      factory: {
        runStatus: () => ({ runtimeStatus: calls >= docs.length ? 'Completed' : 'Running' }),
        runTrace: () => trace,
      },
      close: async () => undefined,
    } as unknown as Session;
  }

  it('prints one line per change when the output is not a terminal', async () => {
    const printed: string[] = [];
    const done = runDoc({ status: 'Completed' });
    await followRun(fakeSession([runDoc(), done]), 'run-1', (line) => printed.push(line), undefined, 'acme', {
      isTTY: false,
      write: () => true,
    });
    expect(printed[0]).toBe('▶ Vision to Architecture  (iteration 1, attempt 1)');
    expect(printed).toContain('    ✓ Vision Architect');
    expect(printed).toContain('    ✗ Tech Lead  (Error: flaky; retrying)');
    expect(new Set(printed).size).toBe(printed.length);
  });

  it('redraws the view in place on a terminal', async () => {
    const written: string[] = [];
    const printed: string[] = [];
    await followRun(
      fakeSession([runDoc(), runDoc({ status: 'Completed', updatedAt: t(40) })]),
      'run-1',
      (line) => printed.push(line),
      undefined,
      'acme',
      { isTTY: true, columns: 100, rows: 40, write: (s) => written.push(s) },
    );
    expect(printed).toEqual([]);
    const frames = written.filter((w) => w.includes('\x1b[J'));
    expect(frames.length).toBeGreaterThanOrEqual(2);
    // Every frame after the first moves the cursor up over the previous one.
    expect(
      frames[1].startsWith(`${esc}[`) && /^\[\d+F/.test(frames[1].slice(1)) && frames[1].includes(`${esc}[J`),
    ).toBe(true);
    expect(written[0]).toBe('\x1b[?25l');
    expect(written[written.length - 1]).toBe('\x1b[?25h');
    expect(frames[frames.length - 1]).toContain('Completed');
  });
});
