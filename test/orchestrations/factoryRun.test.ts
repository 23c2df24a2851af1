import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registry } from '../../local/durableHost/functionsCore';
import { visionToArchitectureGate } from '../../gates/vision-to-architecture';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { decideApproval } from '../../runs/runCommands';
import { largestPayload, replayEpisodes } from '../support/replay';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';

const vision = readFileSync(join(__dirname, '../../examples/visions/neighbourhood-tool-library.md'), 'utf8');
const historyLimit = 16 * 1024;

describe('the factory run orchestration (phase 1 on the embedded host)', () => {
  let t: TestFactory;
  beforeAll(async () => {
    // Any history payload over 16 KB fails the run: orchestrators pass references, never documents.
    t = await startTestFactory({ maxPayloadBytes: historyLimit });
  });
  afterAll(async () => {
    await t.close();
  });

  it('waits at the architecture approval, reruns the phase with a rejection reason, and is deterministic on replay', async () => {
    const runId = await t.start(vision, { approvals: ['architecture'] }, 'run-approval');
    expect(await t.waitFor(runId, (s) => s === 'WaitingForApproval' || s === 'Failed')).toBe(
      'WaitingForApproval',
    );

    const instanceId = runInstanceId('test', runId);
    const status = t.factory.host.getStatus(instanceId)!;
    expect(status.customStatus).toMatchObject({
      phase: 'vision-to-architecture',
      waitingFor: "approval of 'architecture'",
    });

    const events = await t.ports.runs.listEvents('test', runId);
    expect(events.map((e) => e.type)).toEqual([
      'factory.RunStarted',
      'factory.PhaseStarted',
      'factory.QualityGatePassed',
      'factory.ArchitectureReady',
      'factory.PhaseCompleted',
      'factory.ApprovalRequested',
    ]);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(events.every((e) => e.subject === runId && e.specversion === '1.0')).toBe(true);

    const kinds = new Set((await t.ports.artifacts.list('test', runId)).map((a) => a.kind));
    for (const kind of [
      'vision',
      'roadmap',
      'backlog',
      'process-model',
      'ux-journeys',
      'ux-mockup',
      'architecture-blueprint',
      'context-map',
      'domain-model',
      'solution-architecture',
      'asyncapi',
      'event-schema',
      'openapi',
      'adr',
      'gate-report',
    ]) {
      expect(kinds).toContain(kind);
    }

    const instances = t.factory.host.instanceTree(instanceId);
    // The phase runs under the run's instance id, which is the tenant's.
    expect(instances).toEqual([instanceId, `${instanceId}:vision-to-architecture:1:1`]);
    expect(largestPayload(t.factory.host, instances).bytes).toBeLessThan(historyLimit);
    for (const id of instances) {
      for (const episode of await replayEpisodes(t.factory.host, registry, id)) {
        expect({ id, episode: episode.episode, actions: episode.replayed }).toEqual({
          id,
          episode: episode.episode,
          actions: episode.recorded,
        });
      }
    }

    await decideApproval(t.ports, t.factory.client(), {
      tenantId: 'test',
      runId,
      gate: 'architecture',
      decision: 'reject',
      reason: 'Add entity Workshop for repair sessions',
      by: 'reviewer',
    });
    await t.waitFor(runId, (s) => s === 'Running');
    expect(await t.waitFor(runId, (s) => s === 'WaitingForApproval' || s === 'Failed')).toBe(
      'WaitingForApproval',
    );
    const doc = (await t.ports.runs.get('test', runId))!;
    const attempts = doc.phases.filter((p) => p.phase === 'vision-to-architecture');
    expect(attempts.map((p) => p.attempt)).toEqual([1, 2]);
    expect(attempts[1].feedback?.join(' ')).toContain('Add entity Workshop');
    const secondVision = (await t.ports.artifacts.list('test', runId)).find(
      (a) => a.kind === 'vision' && a.path.includes('attempt-2') && a.path.endsWith('.md'),
    )!;
    expect((await t.ports.artifacts.get('test', runId, secondVision.path)).toString()).toContain(
      'Add entity Workshop',
    );
    expect(doc.approvals.map((a) => a.decision)).toEqual(['reject', undefined]);

    // A decision for a gate that is not waiting is refused.
    await expect(
      decideApproval(t.ports, t.factory.client(), {
        tenantId: 'test',
        runId,
        gate: 'testing',
        decision: 'approve',
      }),
    ).rejects.toThrow(/not waiting/);
    const terminated = t.factory.host.terminate(instanceId, 'test over');
    expect(terminated).toBe('terminated');
  }, 300000);

  it('stops cleanly when the budget is exhausted, keeping what was made', async () => {
    const runId = await t.start(vision, { budget: { maxAgentCalls: 3 } }, 'run-budget');
    expect(await t.waitFor(runId, (s) => ['Completed', 'Failed'].includes(s))).toBe('Failed');
    const doc = (await t.ports.runs.get('test', runId))!;
    expect(doc.failure?.reason).toBe('budget-exceeded');
    expect(doc.counters.agentCalls).toBe(3);
    expect(doc.artifacts.map((a) => a.kind)).toEqual(
      expect.arrayContaining(['vision', 'roadmap', 'backlog']),
    );
    const events = await t.ports.runs.listEvents('test', runId);
    expect(events[events.length - 1]).toMatchObject({
      type: 'factory.RunFailed',
      data: expect.objectContaining({ reason: 'budget-exceeded' }),
    });
  });

  it('sends a failed gate back with its findings, bounded by the rework limit', async () => {
    const evaluate = jest.spyOn(visionToArchitectureGate, 'evaluate');
    evaluate.mockImplementation(async () => [
      {
        name: 'forced failure',
        value: 1,
        threshold: 0,
        passed: false,
        findings: ['entity Widget is in no bounded context'],
      },
    ]);
    try {
      const runId = await t.start(vision, { maxReworks: 1 }, 'run-rework');
      expect(await t.waitFor(runId, (s) => ['Completed', 'Failed'].includes(s))).toBe('Failed');
      const doc = (await t.ports.runs.get('test', runId))!;
      expect(doc.failure).toMatchObject({ reason: 'gate-failed' });
      expect(doc.failure?.message).toContain('entity Widget is in no bounded context');
      const attempts = doc.phases.filter((p) => p.phase === 'vision-to-architecture');
      expect(attempts).toHaveLength(2);
      expect(attempts[1].feedback?.[0]).toContain('forced failure: entity Widget is in no bounded context');
      const types = (await t.ports.runs.listEvents('test', runId)).map((e) => e.type);
      expect(types.filter((x) => x === 'factory.QualityGateFailed')).toHaveLength(2);
      expect(types).toContain('factory.FeedbackLoop');
      expect(types[types.length - 1]).toBe('factory.RunFailed');
    } finally {
      evaluate.mockRestore();
    }
  });
});
