import type { CloudEvent } from '../../core/ports/eventBus';
import { ManualClock } from '../../local/durableHost/clock';
import { EventType } from '../../local/durableHost/historyEvents';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { decideApproval, type ApprovalRequest } from '../../runs/runCommands';
import type { RunOptionsInput } from '../../runs/runOptions';
import { useFakeAgentFactory } from '../support/fakeAgents';

const vision = '# Tool library\n\nMembers borrow tools from neighbours and return them.\n';
const hour = 3600 * 1000;

describe("a reviewer's decisions at an approval gate (fake agents, manual clock, embedded host)", () => {
  const clock = new ManualClock();
  const f = useFakeAgentFactory({ clock });
  const { agents } = f;

  const eventsOf = (runId: string) => f.t.ports.runs.listEvents('test', runId);
  const named = (events: CloudEvent[], type: string) => events.filter((e) => e.type === `factory.${type}`);
  const decide = (runId: string, decision: Omit<ApprovalRequest, 'tenantId' | 'runId' | 'gate'>) =>
    decideApproval(f.t.ports, f.t.factory.client(), {
      tenantId: 'test',
      runId,
      gate: 'architecture',
      ...decision,
    });

  /** Polls until the run has finished, or waits at its `approvals`-th approval request; returns its status. */
  async function settled(runId: string, approvals: number): Promise<string> {
    const deadline = Date.now() + 30000;
    for (;;) {
      const doc = await f.t.ports.runs.get('test', runId);
      const runtime = f.t.factory.runStatus('test', runId)?.runtimeStatus;
      if (doc && ['Completed', 'Failed', 'Rejected'].includes(doc.status) && runtime === 'Completed')
        return doc.status;
      const waiting = doc?.status === 'WaitingForApproval' && doc.approvals.length === approvals;
      if (waiting && !doc.approvals[approvals - 1].decision) return doc.status;
      if (Date.now() > deadline) throw new Error(`run ${runId} is still ${doc?.status}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function startWaiting(runId: string, options: RunOptionsInput = {}): Promise<string> {
    await f.t.start(vision, { approvals: ['architecture'], ...options }, runId);
    expect(await settled(runId, 1)).toBe('WaitingForApproval');
    return runId;
  }

  it('waits for the reviewer, and on approval hands the next phase the approved manifest', async () => {
    const runId = await startWaiting('run-approve');
    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.currentPhase).toBe('vision-to-architecture');
    expect(doc.approvals).toEqual([
      { gate: 'architecture', iteration: 1, attempt: 1, requestedAt: new Date(clock.now()).toISOString() },
    ]);
    expect(f.t.factory.runStatus('test', runId)!.customStatus).toEqual({
      phase: 'vision-to-architecture',
      phaseTitle: 'Vision to Architecture',
      step: 'waiting for approval',
      iteration: 1,
      attempt: 1,
      waitingFor: "approval of 'architecture'",
      approvalGate: 'architecture',
    });
    const requested = named(await eventsOf(runId), 'ApprovalRequested');
    expect(requested.map((e) => e.data)).toEqual([
      {
        runId,
        phase: 'vision-to-architecture',
        iteration: 1,
        gate: 'architecture',
        event: 'approval-architecture',
      },
    ]);

    const during: Array<Promise<unknown>> = [];
    agents.onCall((agent, input) => {
      if (agent === 'techLead') during.push(f.t.ports.runs.get('test', input.runId).then((d) => d?.status));
    });
    await decide(runId, { decision: 'approve', reason: 'the domain is right', by: 'alice' });
    expect(await settled(runId, 1)).toBe('Completed');
    // Once decided, the run is running again, not waiting.
    expect(await Promise.all(during)).toEqual(['Running']);
    const events = await eventsOf(runId);
    expect(named(events, 'ApprovalGranted').map((e) => e.data)).toEqual([
      {
        runId,
        phase: 'vision-to-architecture',
        iteration: 1,
        gate: 'architecture',
        reason: 'the domain is right',
        by: 'alice',
      },
    ]);
    expect(named(events, 'ApprovalRejected')).toEqual([]);
    const approved = named(events, 'PhaseCompleted').find((e) => e.phase === 'vision-to-architecture')!;
    const techLead = agents.calls.find((c) => c.agent === 'techLead' && c.input.runId === runId)!;
    expect(techLead.input.manifest).toEqual(approved.data.manifest);
    const after = (await f.t.ports.runs.get('test', runId))!;
    expect(after.approvals[0]).toMatchObject({
      decision: 'approve',
      by: 'alice',
      reason: 'the domain is right',
    });
    expect(after.phases.map((p) => p.attempt)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('reruns the phase with the rejection as feedback, and ends the run when rejected after the last allowed rerun', async () => {
    const runId = await startWaiting('run-reject-twice', { maxReworks: 1 });
    await decide(runId, { decision: 'reject', reason: 'Add entity Workshop', by: 'bob' });
    expect(await settled(runId, 2)).toBe('WaitingForApproval');
    const attempt2 = agents.calls.find(
      (c) => c.agent === 'visionArchitect' && c.input.runId === runId && c.input.attempt === 2,
    )!;
    expect(attempt2.input.feedback).toEqual([
      'Reviewer rejected Vision to Architecture (bob): Add entity Workshop',
    ]);
    // The rerun starts from what the first attempt started from.
    const attempt1 = agents.calls.find((c) => c.agent === 'visionArchitect' && c.input.runId === runId)!;
    expect(attempt2.input.manifest).toEqual(attempt1.input.manifest);

    await decide(runId, { decision: 'reject', reason: 'still no Workshop' });
    expect(await settled(runId, 2)).toBe('Rejected');
    const message = 'Vision to Architecture was rejected after 1 feedback loop(s): still no Workshop';
    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'rejected', message });
    expect(doc.approvals.map((a) => [a.attempt, a.decision, a.by])).toEqual([
      [1, 'reject', 'bob'],
      [2, 'reject', undefined],
    ]);
    expect(doc.phases.map((p) => [p.attempt, p.status])).toEqual([
      [1, 'Completed'],
      [2, 'Completed'],
    ]);
    const status = f.t.factory.runStatus('test', runId)!;
    expect(status.output).toEqual({ status: 'Rejected', reason: message });
    expect(status.customStatus).toEqual({ step: 'rejected', reason: message, iteration: 1 });
    const events = await eventsOf(runId);
    expect(named(events, 'ApprovalRejected').map((e) => e.data.reason)).toEqual([
      'Add entity Workshop',
      'still no Workshop',
    ]);
    expect(events[events.length - 1]).toMatchObject({
      type: 'factory.RunFailed',
      phase: 'vision-to-architecture',
      data: { reason: 'rejected', message },
    });
  });

  it('counts gate failures and rejections against one limit', async () => {
    f.gates.fail('vision-to-architecture', ['entity Loan has no owner']);
    const runId = await startWaiting('run-shared-limit', { maxReworks: 1 });
    await decide(runId, { decision: 'reject' });
    expect(await settled(runId, 1)).toBe('Rejected');
    expect((await f.t.ports.runs.get('test', runId))!.failure).toEqual({
      reason: 'rejected',
      // The first rejection already meets the limit the gate failure used up.
      message: 'Vision to Architecture was rejected after 1 feedback loop(s): no reason given',
    });
  });

  it('says who rejected and why only when the reviewer did', async () => {
    const runId = await startWaiting('run-reject-anonymous');
    await decide(runId, { decision: 'reject' });
    expect(await settled(runId, 2)).toBe('WaitingForApproval');
    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.phases[1].feedback).toEqual(['Reviewer rejected Vision to Architecture: no reason given']);
    await decide(runId, { decision: 'approve' });
    expect(await settled(runId, 2)).toBe('Completed');
  });

  it('ends the run at once when the reviewer rejects with onReject end', async () => {
    const withReason = await startWaiting('run-reject-end');
    await decide(withReason, { decision: 'reject', reason: 'out of scope', onReject: 'end' });
    const plain = await startWaiting('run-reject-end-plain');
    await decide(plain, { decision: 'reject', onReject: 'end' });

    for (const [runId, message] of [
      [withReason, 'out of scope'],
      [plain, 'rejected by reviewer'],
    ]) {
      expect(await settled(runId, 1)).toBe('Rejected');
      const doc = (await f.t.ports.runs.get('test', runId))!;
      expect(doc.failure).toEqual({ reason: 'rejected', message });
      expect(doc.phases).toHaveLength(1);
      expect(f.t.factory.runStatus('test', runId)!.output).toEqual({ status: 'Rejected', reason: message });
    }
  });

  it('ends the run as Rejected when nobody decides within approvalTimeoutHours', async () => {
    const runId = await startWaiting('run-short-deadline', { approvalTimeoutHours: 2 });
    const history = () =>
      f.t.factory.host.getStatus(runInstanceId('test', runId), { showHistory: true })?.history ?? [];
    for (let i = 0; !history().some((e) => e.EventType === EventType.TimerCreated); i++) {
      if (i > 600) throw new Error('no approval timer');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const requestedAt = Date.parse((await f.t.ports.runs.get('test', runId))!.approvals[0].requestedAt);
    const timer = history().find((e) => e.EventType === EventType.TimerCreated)!;
    expect(Date.parse(timer.FireAt!) - requestedAt).toBe(2 * hour);

    clock.advance(2 * hour + 1000);
    expect(await f.t.waitFor(runId, (s) => s !== 'WaitingForApproval', 30000)).toBe('Rejected');
    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'rejected', message: 'approval timed out' });
    expect(doc.approvals[0]).toMatchObject({ decision: 'timeout', reason: 'no decision within 2 h' });
    expect(named(await eventsOf(runId), 'ApprovalRejected').map((e) => e.data)).toEqual([
      {
        runId,
        phase: 'vision-to-architecture',
        iteration: 1,
        gate: 'architecture',
        reason: 'no decision within 2 h',
      },
    ]);
  });
});
