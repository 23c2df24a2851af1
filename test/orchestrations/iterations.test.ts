import type { ArtifactRef } from '../../core/agent';
import { phases } from '../../core/phases';
import { runInstanceId } from '../../platform/runs/instanceIds';
import { eventId } from '../../runs/cloudEvents';
import { readManifest } from '../../runs/manifest';
import { useFakeAgentFactory } from '../support/fakeAgents';

const vision = '# Tool library\n\nMembers borrow tools from neighbours and return them.\n';

describe('the iterations of a factory run and its completion (fake agents, embedded host)', () => {
  const f = useFakeAgentFactory();
  const { agents } = f;

  it('starts each further iteration from Vision with everything the previous one made, then completes', async () => {
    // What the run document and the run's status say while iteration 2's first agent works.
    const during: Array<Promise<unknown>> = [];
    agents.onCall((agent, input) => {
      if (agent !== 'visionArchitect' || input.iteration !== 2) return;
      const customStatus = f.t.factory.runStatus('test', input.runId)?.customStatus;
      during.push(f.t.ports.runs.get('test', input.runId).then((doc) => ({ customStatus, doc })));
    });
    const runId = await f.t.start(vision, { iterations: 2 }, 'run-two-iterations');
    expect(await f.t.waitFor(runId, (s) => ['Completed', 'Failed', 'Rejected'].includes(s))).toBe(
      'Completed',
    );

    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.iteration).toBe(2);
    expect(doc.failure).toBeUndefined();
    expect(doc.phases.map((p) => [p.iteration, p.phase, p.attempt, p.status])).toEqual(
      [1, 2].flatMap((iteration) => phases.map((p) => [iteration, p.id, 1, 'Completed'])),
    );

    expect(await Promise.all(during)).toEqual([
      {
        customStatus: {
          phase: 'vision-to-architecture',
          phaseTitle: 'Vision to Architecture',
          step: 'running',
          iteration: 2,
          attempt: 1,
        },
        doc: expect.objectContaining({ status: 'Running', iteration: 2 }),
      },
    ]);

    const events = await f.t.ports.runs.listEvents('test', runId);
    const model = doc.options.model;
    // Run-level event ids derive from the iteration and the event, so a replayed publish sends the same id.
    const instance = runInstanceId('test', runId);
    const runLevel = events.filter((e) => e.phase === undefined);
    expect(runLevel.map((e) => [e.type, e.id])).toEqual([
      ['factory.RunStarted', eventId(instance, '1:start:RunStarted')],
      ['factory.IterationStarted', eventId(instance, '2:start:IterationStarted')],
      ['factory.RunCompleted', eventId(instance, '2:end:RunCompleted')],
    ]);
    expect(events.filter((e) => e.type === 'factory.RunStarted').map((e) => e.data)).toEqual([
      { runId, iteration: 1, model, iterations: 2 },
    ]);
    expect(events.filter((e) => e.type === 'factory.IterationStarted').map((e) => e.data)).toEqual([
      { runId, iteration: 2, model, iterations: 2 },
    ]);
    const optimized = events.filter(
      (e) => e.type === 'factory.PhaseCompleted' && e.phase === 'production-to-optimization',
    );
    expect(optimized.map((e) => e.data.iteration)).toEqual([1, 2]);

    // Iteration 2 starts from the manifest iteration 1 ended with, which holds what iteration 1 made.
    const visionCalls = agents.calls.filter((c) => c.agent === 'visionArchitect' && c.input.runId === runId);
    expect(visionCalls.map((c) => [c.input.iteration, c.input.attempt])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(visionCalls[1].input.manifest).toEqual(optimized[0].data.manifest);
    const carried = await readManifest(f.t.ports.artifacts, 'test', runId, visionCalls[1].input.manifest);
    expect(carried.map((r) => r.path)).toContain(
      'iteration-1/production-to-optimization/attempt-1/fake/feedbackEvolution/evolution-plan',
    );

    // The run ends once, after the last iteration, with that iteration's manifest.
    const last = events[events.length - 1];
    expect(last.type).toBe('factory.RunCompleted');
    expect(events.filter((e) => e.type === 'factory.RunCompleted')).toHaveLength(1);
    expect(last.data).toEqual({ runId, iteration: 2, manifest: optimized[1].data.manifest });
    const status = f.t.factory.runStatus('test', runId)!;
    expect(status.output).toEqual({
      status: 'Completed',
      iteration: 2,
      manifest: optimized[1].data.manifest,
    });
    expect(status.customStatus).toEqual({ step: 'completed', iteration: 2 });
    const reports = (await f.t.ports.artifacts.list('test', runId)).filter((a) => a.kind === 'run-report');
    expect(reports).toHaveLength(1);
    expect(
      (await readManifest(f.t.ports.artifacts, 'test', runId, last.data.manifest as ArtifactRef)).length,
    ).toBeGreaterThan(carried.length);
    expect(f.t.factory.host.instanceTree(runInstanceId('test', runId))).toContain(
      `${runInstanceId('test', runId)}:vision-to-architecture:2:1`,
    );
  });
});
