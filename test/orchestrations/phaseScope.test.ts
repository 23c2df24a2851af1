import { agentCatalog } from '../../agents/catalog';
import type { ArtifactRef } from '../../core/agent';
import { phases, type PhaseId } from '../../core/phases';
import type { PhaseResult } from '../../core/workflowContracts';
import { architectureToDevelopment } from '../../orchestrations/architectureToDevelopment';
import { deploymentToProduction } from '../../orchestrations/deploymentToProduction';
import { developmentToTesting } from '../../orchestrations/developmentToTesting';
import { phaseSteps } from '../../orchestrations/phaseSteps';
import { productionToOptimization } from '../../orchestrations/productionToOptimization';
import { testingToDeployment } from '../../orchestrations/testingToDeployment';
import { visionToArchitecture } from '../../orchestrations/visionToArchitecture';
import { phaseInstanceId, runInstanceId } from '../../platform/runs/instanceIds';
import { readManifest } from '../../runs/manifest';
import { phaseSummary } from '../../runs/runView';
import { fakeRef, useFakeAgentFactory } from '../support/fakeAgents';

const vision = '# Tool library\n\nMembers borrow tools from neighbours and return them.\n';
const orchestrators = {
  'vision-to-architecture': visionToArchitecture,
  'architecture-to-development': architectureToDevelopment,
  'development-to-testing': developmentToTesting,
  'testing-to-deployment': testingToDeployment,
  'deployment-to-production': deploymentToProduction,
  'production-to-optimization': productionToOptimization,
};
const agentNamed = (name: string) => agentCatalog.find((a) => a.name === name)!;

describe('what a phase records, publishes and hands its agents (fake agents, embedded host)', () => {
  const f = useFakeAgentFactory();
  const { agents } = f;

  const finished = (s: string) => ['Completed', 'Failed', 'Rejected'].includes(s);
  const eventsOf = (runId: string) => f.t.ports.runs.listEvents('test', runId);
  const phaseInstance = (runId: string, phase: PhaseId, attempt: number) =>
    f.t.factory.host.getStatus(phaseInstanceId(runInstanceId('test', runId), phase, 1, attempt))!;

  it('says which agents work and gives each the earlier outputs of its phase attempt that it reads, parallel ones included', async () => {
    // What the phase says it is doing while each agent works (the status a person polling it sees).
    const seen = new Map<string, unknown>();
    agents.onCall((agent, input) => {
      const instance = phaseInstanceId(runInstanceId('test', input.runId), input.phase, 1, input.attempt);
      seen.set(agent, f.t.factory.host.getStatus(instance)?.customStatus);
    });
    const runId = await f.t.start(vision, {}, 'run-inputs');
    expect(await f.t.waitFor(runId, finished)).toBe('Completed');
    expect(seen.get('techLead')).toEqual({
      phase: 'architecture-to-development',
      phaseTitle: 'Architecture to Development',
      step: 'Tech Lead',
      iteration: 1,
      attempt: 1,
      agents: ['techLead'],
    });
    const together = ['growthStrategist', 'costOptimizer'];
    for (const agent of together) {
      expect(seen.get(agent)).toEqual({
        phase: 'production-to-optimization',
        phaseTitle: 'Production to Optimization',
        step: together.map((name) => agentNamed(name).role).join(' | '),
        iteration: 1,
        attempt: 1,
        agents: together,
      });
    }

    const calls = agents.calls.filter((c) => c.input.runId === runId);
    let narrowed = 0;
    for (const phase of phases) {
      const steps = phaseSteps(orchestrators[phase.id], phase.id);
      const before: ArtifactRef[] = [];
      for (const step of steps) {
        const names = typeof step === 'string' ? [step] : step;
        const made: ArtifactRef[] = [];
        for (const name of names) {
          const call = calls.find((c) => c.agent === name)!;
          const agent = agentNamed(name);
          const read = before.filter((ref) => agent.reads.includes(ref.kind));
          expect({ agent: name, inputs: call.input.inputs }).toEqual({ agent: name, inputs: read });
          if (read.length < before.length) narrowed++;
          made.push(...agent.writes.map((kind) => fakeRef(name, kind, call.input)));
        }
        before.push(...made);
      }
    }
    // The comparison means something only if some agent was handed fewer references than its phase had made.
    expect(narrowed).toBeGreaterThan(0);

    // What every phase made is in the manifest the run ends with, parallel agents' outputs too.
    const end = (await eventsOf(runId)).find((e) => e.type === 'factory.RunCompleted')!;
    const refs = await readManifest(f.t.ports.artifacts, 'test', runId, end.data.manifest as ArtifactRef);
    for (const name of ['backendDeveloper', 'databaseArchitect', 'growthStrategist', 'costOptimizer']) {
      const call = calls.find((c) => c.agent === name)!;
      for (const kind of agentNamed(name).writes)
        expect(refs).toContainEqual(fakeRef(name, kind, call.input));
    }

    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(phaseSummary(doc).map((p) => [p.phase, p.status, p.attempts])).toEqual(
      phases.map((p) => [p.id, 'Completed', 1]),
    );
    expect(doc.phases.every((p) => p.endedAt !== undefined)).toBe(true);
  });

  it('ends a phase whose gate fails as Failed, with the gate in its events and trimmed findings in its result', async () => {
    const long = 'x'.repeat(391); // "scripted: " + 391 characters is one over the limit
    const atLimit = 'y'.repeat(390);
    f.gates.fail('development-to-testing', [
      'login returns 500',
      long,
      atLimit,
      'search is slow',
      'no retry on 503',
      'sixth finding',
    ]);
    const runId = await f.t.start(vision, {}, 'run-gate');
    expect(await f.t.waitFor(runId, finished)).toBe('Completed');

    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.phases.map((p) => [p.phase, p.attempt, p.status])).toEqual([
      ['vision-to-architecture', 1, 'Completed'],
      ['architecture-to-development', 1, 'Completed'],
      ['development-to-testing', 1, 'Failed'],
      ['architecture-to-development', 2, 'Completed'],
      ['development-to-testing', 2, 'Completed'],
      ['testing-to-deployment', 1, 'Completed'],
      ['deployment-to-production', 1, 'Completed'],
      ['production-to-optimization', 1, 'Completed'],
    ]);
    expect(phaseSummary(doc).find((p) => p.phase === 'development-to-testing')).toMatchObject({
      status: 'Completed',
      attempts: 2,
      gate: { passed: true, failed: [] },
    });

    const failedPhase = phaseInstance(runId, 'development-to-testing', 1);
    expect(failedPhase.customStatus).toEqual({
      phase: 'development-to-testing',
      phaseTitle: 'Development to Testing',
      step: 'failed',
      iteration: 1,
      attempt: 1,
    });
    const result = failedPhase.output as PhaseResult;
    expect(result).toMatchObject({
      phase: 'development-to-testing',
      outcome: 'failed',
      gate: { passed: false, criteria: [{ name: 'scripted', passed: false }] },
    });
    expect(result.reason).toBeUndefined();
    expect(result.findings).toEqual([
      'scripted: login returns 500',
      `scripted: ${'x'.repeat(390)}…`,
      `scripted: ${atLimit}`,
      'scripted: search is slow',
      'scripted: no retry on 503',
      'scripted: sixth finding',
    ]);
    const passed = phaseInstance(runId, 'development-to-testing', 2);
    expect(passed.customStatus).toMatchObject({ step: 'completed', attempt: 2 });
    expect(passed.output).toMatchObject({ outcome: 'passed', findings: [], gate: { passed: true } });

    const events = (await eventsOf(runId)).filter((e) => e.phase === 'development-to-testing');
    expect(events.map((e) => [e.type, e.data.attempt])).toEqual([
      ['factory.PhaseStarted', 1],
      ['factory.QualityGateFailed', 1],
      ['factory.PhaseCompleted', 1],
      ['factory.FeedbackLoop', undefined],
      ['factory.PhaseStarted', 2],
      ['factory.QualityGatePassed', 2],
      ['factory.PhaseCompleted', 2],
    ]);
    expect(events[0].data).toEqual({
      runId,
      phase: 'development-to-testing',
      iteration: 1,
      attempt: 1,
      title: 'Development to Testing',
      feedback: 0,
    });
    expect(events[1].data).toEqual({
      runId,
      phase: 'development-to-testing',
      iteration: 1,
      attempt: 1,
      report: result.gate!.report,
      criteria: [{ name: 'scripted', passed: false }],
      // The gate's own first five, as the gate report has them.
      findings: ['login returns 500', long, atLimit, 'search is slow', 'no retry on 503'].map(
        (f) => `scripted: ${f}`,
      ),
    });
    expect(events[2].data).toEqual({
      runId,
      phase: 'development-to-testing',
      iteration: 1,
      attempt: 1,
      outcome: 'failed',
      manifest: result.manifest,
    });
    expect(events[3].data.findings).toEqual(result.findings.slice(0, 5));
    // The rework of Development got the findings as feedback.
    const rework = (await eventsOf(runId)).find(
      (e) =>
        e.type === 'factory.PhaseStarted' &&
        e.phase === 'architecture-to-development' &&
        e.data.attempt === 2,
    )!;
    expect(rework.data.feedback).toBe(6);
  });

  it('ends the phase as budget-exceeded when one of its parallel agents runs out of budget', async () => {
    agents.override('mobileDeveloper', () => ({
      status: 'budget-exceeded',
      agent: 'mobileDeveloper',
      reason: 'agent calls: 12 of 12 used',
    }));
    const runId = await f.t.start(vision, {}, 'run-parallel-budget');
    expect(await f.t.waitFor(runId, finished)).toBe('Failed');

    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'budget-exceeded', message: 'agent calls: 12 of 12 used' });
    expect(phaseSummary(doc).map((p) => p.status)).toEqual([
      'Completed',
      'Failed',
      'NotStarted',
      'NotStarted',
      'NotStarted',
      'NotStarted',
    ]);
    const called = agents.calls
      .filter((c) => c.input.phase === 'architecture-to-development')
      .map((c) => c.agent);
    expect(called).not.toContain('codeCommitter');

    const phase = phaseInstance(runId, 'architecture-to-development', 1);
    expect(phase.customStatus).toMatchObject({ step: 'budget-exceeded' });
    expect(phase.output).toMatchObject({
      outcome: 'budget-exceeded',
      reason: 'agent calls: 12 of 12 used',
      findings: ['agent calls: 12 of 12 used'],
    });
    expect((phase.output as PhaseResult).gate).toBeUndefined();
    const completed = (await eventsOf(runId)).find(
      (e) => e.type === 'factory.PhaseCompleted' && e.phase === 'architecture-to-development',
    )!;
    expect(completed.data).toMatchObject({
      outcome: 'budget-exceeded',
      reason: 'agent calls: 12 of 12 used',
    });
  });

  it('says the budget is exhausted when the agent that stopped gave no reason', async () => {
    agents.override('visionArchitect', () => ({
      status: 'budget-exceeded',
      agent: 'visionArchitect',
      reason: '',
    }));
    const runId = await f.t.start(vision, {}, 'run-budget-no-reason');
    expect(await f.t.waitFor(runId, finished)).toBe('Failed');
    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.failure).toEqual({ reason: 'budget-exceeded', message: 'the run budget is exhausted' });
    const phase = phaseInstance(runId, 'vision-to-architecture', 1).output as PhaseResult;
    expect(phase).toMatchObject({ outcome: 'budget-exceeded', findings: [] });
    const completed = (await eventsOf(runId)).find((e) => e.type === 'factory.PhaseCompleted')!;
    expect(completed.data).not.toHaveProperty('reason');
  });

  it('fails the run with the agent error, not as a budget stop, when an agent keeps failing', async () => {
    agents.override('productOwner', () => {
      throw new TypeError('backlog schema mismatch');
    });
    const runId = await f.t.start(vision, {}, 'run-agent-error');
    expect(await f.t.waitFor(runId, finished)).toBe('Failed');

    const doc = (await f.t.ports.runs.get('test', runId))!;
    expect(doc.failure?.reason).toBe('phase-error');
    expect(doc.failure?.message).toMatch(/^Vision to Architecture failed: .*backlog schema mismatch/);
    // Three attempts (the retry policy), then the phase gives up.
    expect(agents.calls.filter((c) => c.agent === 'productOwner')).toHaveLength(3);
    expect(phaseInstance(runId, 'vision-to-architecture', 1).runtimeStatus).toBe('Failed');
    // The phase is over: the run view does not show it running.
    expect(phaseSummary(doc)[0]).toMatchObject({ status: 'Failed', attempts: 1 });
    const types = (await eventsOf(runId)).map((e) => e.type);
    expect(types).not.toContain('factory.PhaseCompleted');
    expect(types[types.length - 1]).toBe('factory.RunFailed');
  }, 60000);
});
