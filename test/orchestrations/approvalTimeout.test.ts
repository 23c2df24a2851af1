import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../local/durableHost/clock';
import { EventType } from '../../local/durableHost/historyEvents';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { decideApproval } from '../../runs/runCommands';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';

const vision = readFileSync(join(__dirname, '../../examples/visions/neighbourhood-tool-library.md'), 'utf8');
const hour = 3600 * 1000;
const minute = 60 * 1000;

const phase1Events = [
  'factory.RunStarted',
  'factory.PhaseStarted',
  'factory.QualityGatePassed',
  'factory.ArchitectureReady',
  'factory.PhaseCompleted',
  'factory.ApprovalRequested',
];

describe('the approval deadline of a factory run (manual clock)', () => {
  const clock = new ManualClock();
  let t: TestFactory;
  beforeAll(async () => {
    t = await startTestFactory({ clock });
  });
  afterAll(async () => {
    await t.close();
  });

  /** Polls in real time: the host works while durable time stands still. */
  async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
    const deadline = Date.now() + 60000;
    for (;;) {
      const found = await probe();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const historyOf = (runId: string) =>
    t.factory.host.getStatus(runInstanceId('test', runId), { showHistory: true })?.history ?? [];
  const eventsOf = async (runId: string) => t.ports.runs.listEvents('test', runId);

  /** Starts a run that waits for the architecture approval; returns once its deadline timer is set. */
  async function waitingForApproval(runId: string): Promise<{ requestedAt: number }> {
    await t.start(vision, { approvals: ['architecture'] }, runId);
    expect(await t.waitFor(runId, (s) => s === 'WaitingForApproval' || s === 'Failed')).toBe(
      'WaitingForApproval',
    );
    const timer = await until('the approval timer', () =>
      historyOf(runId).find((e) => e.EventType === EventType.TimerCreated),
    );
    const requestedAt = Date.parse((await t.ports.runs.get('test', runId))!.approvals[0].requestedAt);
    expect(Date.parse(timer.FireAt!) - requestedAt).toBe(72 * hour);
    expect((await eventsOf(runId)).map((e) => e.type)).toEqual(phase1Events);
    return { requestedAt };
  }

  it('ends the run as Rejected when nobody decides within 72 h', async () => {
    const runId = 'run-timeout';
    const { requestedAt } = await waitingForApproval(runId);

    clock.advance(72 * hour + minute);
    expect(await t.waitFor(runId, (s) => !['Running', 'WaitingForApproval'].includes(s))).toBe('Rejected');

    const status = t.factory.runStatus('test', runId)!;
    expect(status.runtimeStatus).toBe('Completed');
    expect(status.output).toEqual({ status: 'Rejected', reason: 'approval timed out' });
    const doc = (await t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'rejected', message: 'approval timed out' });
    expect(doc.approvals).toEqual([
      expect.objectContaining({
        gate: 'architecture',
        iteration: 1,
        attempt: 1,
        decision: 'timeout',
        reason: 'no decision within 72 h',
      }),
    ]);
    expect(Date.parse(doc.approvals[0].decidedAt!) - requestedAt).toBe(72 * hour + minute);
    // The phase behind the gate stays done; nothing after it started.
    expect(doc.phases.map((p) => [p.phase, p.status])).toEqual([['vision-to-architecture', 'Completed']]);

    const events = await eventsOf(runId);
    expect(events.map((e) => e.type)).toEqual([
      ...phase1Events,
      'factory.ApprovalRejected',
      'factory.RunFailed',
    ]);
    expect(events[phase1Events.length].data).toMatchObject({
      gate: 'architecture',
      reason: 'no decision within 72 h',
    });
    expect(events[phase1Events.length + 1].data).toMatchObject({
      reason: 'rejected',
      message: 'approval timed out',
    });

    // A decision after the deadline finds no gate waiting.
    await expect(
      decideApproval(t.ports, t.factory.client(), {
        tenantId: 'test',
        runId,
        gate: 'architecture',
        decision: 'approve',
      }),
    ).rejects.toThrow(/not waiting/);
  }, 120000);

  it('continues the run on an approval a minute before the deadline, and the deadline passing changes nothing', async () => {
    const runId = 'run-approved';
    const { requestedAt } = await waitingForApproval(runId);

    clock.advance(72 * hour - minute);
    await decideApproval(t.ports, t.factory.client(), {
      tenantId: 'test',
      runId,
      gate: 'architecture',
      decision: 'approve',
      by: 'reviewer',
    });
    await until('the next phase', async () =>
      (await eventsOf(runId)).find(
        (e) => e.type === 'factory.PhaseStarted' && e.phase === 'architecture-to-development',
      ),
    );
    const events = (await eventsOf(runId)).map((e) => e.type);
    expect(events.slice(0, phase1Events.length + 2)).toEqual([
      ...phase1Events,
      'factory.ApprovalGranted',
      'factory.PhaseStarted',
    ]);

    // The cancelled timer still fires at the deadline; the run goes on.
    clock.advance(2 * minute);
    await until('the deadline timer', () =>
      historyOf(runId).find((e) => e.EventType === EventType.TimerFired),
    );
    expect(t.factory.runStatus('test', runId)!.runtimeStatus).toBe('Running');
    const doc = (await t.ports.runs.get('test', runId))!;
    expect(doc.status).toBe('Running');
    expect(doc.failure).toBeUndefined();
    expect(doc.approvals).toEqual([
      expect.objectContaining({ gate: 'architecture', decision: 'approve', by: 'reviewer' }),
    ]);
    expect(Date.parse(doc.approvals[0].decidedAt!) - requestedAt).toBe(72 * hour - minute);
    const types = (await eventsOf(runId)).map((e) => e.type);
    expect(types).not.toContain('factory.ApprovalRejected');
    expect(types).not.toContain('factory.RunFailed');

    // Phase 2 is not what this test is about.
    expect(t.factory.host.terminate(runInstanceId('test', runId), 'test over')).toBe('terminated');
  }, 120000);
});
