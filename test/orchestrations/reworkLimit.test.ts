import type { CloudEvent } from '../../core/ports/eventBus';
import type { PhaseId } from '../../core/phases';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { eventId } from '../../runs/cloudEvents';
import { useFakeAgentFactory } from '../support/fakeAgents';

const vision = '# Tool library\n\nMembers borrow tools from neighbours and return them.\n';

describe('feedback loops of a factory run, up to the rework limit (fake agents, embedded host)', () => {
  const f = useFakeAgentFactory();
  const { agents } = f;

  const finished = (s: string) => ['Completed', 'Failed', 'Rejected'].includes(s);
  const eventsOf = (runId: string) => f.t.ports.runs.listEvents('test', runId);
  const attemptsOf = async (runId: string, phase: PhaseId) =>
    (await f.t.ports.runs.get('test', runId))!.phases
      .filter((p) => p.phase === phase)
      .map((p) => ({ attempt: p.attempt, status: p.status, feedback: p.feedback }));
  const named = (events: CloudEvent[], type: string) => events.filter((e) => e.type === `factory.${type}`);

  it('reruns a phase whose gate fails as often as maxReworks allows, and goes on when the last rerun passes', async () => {
    f.gates.fail('vision-to-architecture', ['entity Loan has no owner'], ['entity Tool has no id']);
    const runId = await f.t.start(vision, { maxReworks: 2 }, 'run-last-rerun-passes');
    expect(await f.t.waitFor(runId, finished)).toBe('Completed');

    expect(await attemptsOf(runId, 'vision-to-architecture')).toEqual([
      { attempt: 1, status: 'Failed', feedback: undefined },
      { attempt: 2, status: 'Failed', feedback: ['scripted: entity Loan has no owner'] },
      { attempt: 3, status: 'Completed', feedback: ['scripted: entity Tool has no id'] },
    ]);
    const loops = named(await eventsOf(runId), 'FeedbackLoop');
    expect(loops.map((e) => e.data)).toEqual([
      {
        runId,
        phase: 'vision-to-architecture',
        iteration: 1,
        from: 'vision-to-architecture',
        to: 'vision-to-architecture',
        findings: ['scripted: entity Loan has no owner'],
      },
      {
        runId,
        phase: 'vision-to-architecture',
        iteration: 1,
        from: 'vision-to-architecture',
        to: 'vision-to-architecture',
        findings: ['scripted: entity Tool has no id'],
      },
    ]);
    // Each loop is its own event.
    expect(new Set(loops.map((e) => e.id)).size).toBe(2);
  });

  it('fails the run when the gate still fails after maxReworks reruns', async () => {
    const last = ['still no owner', 'no id', 'c', 'd', 'e', 'sixth is left out'];
    f.gates.fail('vision-to-architecture', ['first'], ['second'], last);
    const runId = await f.t.start(vision, { maxReworks: 2 }, 'run-rework-limit');
    expect(await f.t.waitFor(runId, finished)).toBe('Failed');

    const message =
      'Vision to Architecture did not pass its gate after 2 feedback loop(s): ' +
      'scripted: still no owner; scripted: no id; scripted: c; scripted: d; scripted: e';
    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'gate-failed', message });
    expect(doc.currentPhase).toBe('vision-to-architecture');
    expect((await attemptsOf(runId, 'vision-to-architecture')).map((a) => a.status)).toEqual([
      'Failed',
      'Failed',
      'Failed',
    ]);
    const events = await eventsOf(runId);
    expect(named(events, 'FeedbackLoop')).toHaveLength(2);
    expect(named(events, 'PhaseStarted').map((e) => e.phase)).toEqual([
      'vision-to-architecture',
      'vision-to-architecture',
      'vision-to-architecture',
    ]);
    expect(events[events.length - 1]).toMatchObject({
      type: 'factory.RunFailed',
      id: eventId(runInstanceId('test', runId), '1:end:RunFailed'),
      phase: 'vision-to-architecture',
      data: { runId, phase: 'vision-to-architecture', iteration: 1, reason: 'gate-failed', message },
    });
    const status = f.t.factory.runStatus('test', runId)!;
    expect(status.output).toEqual({ status: 'Failed', reason: 'gate-failed', message });
    expect(status.customStatus).toEqual({ step: 'failed', reason: 'gate-failed', message, iteration: 1 });
    expect((await f.t.ports.artifacts.list('test', runId)).map((a) => a.kind)).toContain('run-report');
  });

  it('fails at once, without a feedback loop, when a failed criterion is final (no rework can pass it)', async () => {
    f.gates.failFinal('architecture-to-development', [
      'db/tools: the migration to this version drops Tool.condition',
    ]);
    const runId = await f.t.start(vision, {}, 'run-final-finding');
    expect(await f.t.waitFor(runId, finished)).toBe('Failed');
    expect(await attemptsOf(runId, 'architecture-to-development')).toEqual([
      { attempt: 1, status: 'Failed', feedback: undefined },
    ]);
    expect(named(await eventsOf(runId), 'FeedbackLoop')).toEqual([]);
    expect((await f.t.ports.runs.get('test', runId))!.failure).toEqual({
      reason: 'gate-failed',
      message:
        'Architecture to Development did not pass its gate, and no rework can change that: scripted: db/tools: the migration to this version drops Tool.condition',
    });
  });

  it('allows three reruns when the run sets no limit', async () => {
    f.gates.fail('vision-to-architecture', ['a'], ['b'], ['c'], ['d']);
    const runId = await f.t.start(vision, {}, 'run-default-limit');
    expect(await f.t.waitFor(runId, finished)).toBe('Failed');
    expect(await attemptsOf(runId, 'vision-to-architecture')).toHaveLength(4);
    expect((await f.t.ports.runs.get('test', runId))!.failure?.message).toMatch(
      /^Vision to Architecture did not pass its gate after 3 feedback loop\(s\): scripted: d$/,
    );
  });

  it('sends a failed deployment back to Testing, which starts again from what its first attempt saw', async () => {
    f.gates.fail('deployment-to-production', ['health check failed on /api/tools']);
    const runId = await f.t.start(vision, {}, 'run-deploy-rework');
    expect(await f.t.waitFor(runId, finished)).toBe('Completed');

    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.phases.map((p) => [p.phase, p.attempt, p.status])).toEqual([
      ['vision-to-architecture', 1, 'Completed'],
      ['architecture-to-development', 1, 'Completed'],
      ['development-to-testing', 1, 'Completed'],
      ['testing-to-deployment', 1, 'Completed'],
      ['deployment-to-production', 1, 'Failed'],
      ['development-to-testing', 2, 'Completed'],
      ['testing-to-deployment', 2, 'Completed'],
      ['deployment-to-production', 2, 'Completed'],
      ['production-to-optimization', 1, 'Completed'],
    ]);
    const first = (agent: string, attempt: number) =>
      agents.calls.find((c) => c.agent === agent && c.input.runId === runId && c.input.attempt === attempt)!
        .input;
    // The rerun of Testing starts from the manifest its first attempt started from, with the findings.
    expect(first('qaEngineer', 2).manifest).toEqual(first('qaEngineer', 1).manifest);
    expect(first('qaEngineer', 2).feedback).toEqual(['scripted: health check failed on /api/tools']);
    // Later phases start from the rerun's outputs, without the feedback meant for Testing.
    const events = await eventsOf(runId);
    const testingDone = named(events, 'PhaseCompleted').filter((e) => e.phase === 'development-to-testing');
    expect(first('devopsEngineer', 1).manifest).toEqual(testingDone[0].data.manifest);
    expect(first('devopsEngineer', 2).manifest).toEqual(testingDone[1].data.manifest);
    expect(first('devopsEngineer', 2).manifest).not.toEqual(first('devopsEngineer', 1).manifest);
    expect(first('devopsEngineer', 2).feedback).toEqual([]);

    // The failed deployment was rolled back and said so.
    expect(agents.calls.filter((c) => c.agent === 'rollbackCoordinator')).toHaveLength(1);
    expect(named(events, 'DeploymentFailed').map((e) => e.data.findings)).toEqual([
      ['scripted: health check failed on /api/tools'],
    ]);
    expect(named(events, 'FeedbackLoop').map((e) => [e.data.from, e.data.to])).toEqual([
      ['deployment-to-production', 'development-to-testing'],
    ]);
    expect(f.t.factory.host.instanceTree(runInstanceId('test', runId))).toContain(
      `${runInstanceId('test', runId)}:development-to-testing:1:2`,
    );
  });
});
