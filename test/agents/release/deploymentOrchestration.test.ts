import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import { compileForDeployment, useDeploymentTarget } from '../../../agents/blueprint/operations/target';
import { testingToDeploymentAgents } from '../../../agents/testing-to-deployment';
import { visionArchitect } from '../../../agents/vision-to-architecture/visionArchitect';
import type { PhaseInput, PhaseResult } from '../../../core/workflowContracts';
import type { PhaseId } from '../../../core/phases';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { readManifest, writeManifest } from '../../../runs/manifest';
import { startTestFactory, type TestFactory } from '../../support/embeddedFactory';
import { builtProduct, patchService } from './fixtures';
import { runPhase } from './phaseRunner';

import '../../../functions';

describe('phases 4 to 6 as orchestrations on the embedded host', () => {
  let t: TestFactory;
  let target: LocalBlueGreenTarget;
  const runId = 'run-deploy';

  /** Runs one phase orchestrator as its own instance from a manifest of the given references. */
  async function orchestrate(
    orchestrator: string,
    phase: PhaseId,
    iteration: number,
    refs: ArtifactRef[],
  ): Promise<{ result: PhaseResult; refs: ArtifactRef[] }> {
    const manifest = await writeManifest(
      t.ports.artifacts,
      'test',
      runId,
      `iteration-${iteration}/manifest-${phase}.json`,
      refs,
      'test',
    );
    const input: PhaseInput = {
      runId,
      tenantId: 'test',
      phase,
      iteration,
      attempt: 1,
      model: 'blueprint',
      manifest,
      feedback: [],
    };
    const instanceId = `${runId}:${phase}:${iteration}:1`;
    await t.factory.client().startNew(orchestrator, { instanceId, input });
    const deadline = Date.now() + 120_000;
    for (;;) {
      const status = t.factory.host.getStatus(instanceId);
      if (status?.runtimeStatus === 'Completed') {
        const result = status.output as PhaseResult;
        return { result, refs: await readManifest(t.ports.artifacts, 'test', runId, result.manifest) };
      }
      if (status?.runtimeStatus === 'Failed' || Date.now() > deadline)
        throw new Error(`${orchestrator} ended ${status?.runtimeStatus}: ${JSON.stringify(status?.output)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    t = await startTestFactory();
    target = new LocalBlueGreenTarget({ home: t.home, build: compileForDeployment });
    useDeploymentTarget(target);
    const now = new Date().toISOString();
    await t.ports.runs.create({
      id: runId,
      tenantId: 'test',
      name: 'deployment orchestration',
      visionTitle: 'ToolShed',
      visionPath: 'vision.md',
      status: 'Running',
      createdAt: now,
      updatedAt: now,
      options: { model: 'blueprint', iterations: 2, approvals: [] } as never,
      iteration: 1,
      phases: [],
      gates: [],
      approvals: [],
      artifacts: [],
      counters: { agentCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
    });
  });

  afterAll(async () => {
    useDeploymentTarget(undefined);
    await target.undeploy('test', runId);
    await t.close();
  });

  it('publishes DeploymentReady and DeploymentSuccessful for a healthy release, learns from it, then rolls back a broken one with DeploymentFailed', async () => {
    const visionText = readFileSync(
      join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
      'utf8',
    );
    const opts = (iteration: number, phase: PhaseId) => ({ iteration, phase, runId });
    const stored = await t.ports.artifacts.put('test', runId, 'vision.md', visionText, {
      kind: 'vision-text',
      phase: 'input',
      agent: 'user',
      contentType: 'text/markdown',
    });
    const vision: ArtifactRef = { path: stored.path, sha256: stored.sha256, kind: 'vision-text' };
    const built = await runPhase(
      t.ports.artifacts,
      [visionArchitect as AgentDefinition<unknown>, ...builtProduct],
      [vision],
      opts(1, 'vision-to-architecture'),
    );
    const released = await orchestrate('testingToDeployment', 'testing-to-deployment', 1, built);
    expect(released.result.outcome).toBe('passed');

    const good = await orchestrate('deploymentToProduction', 'deployment-to-production', 1, released.refs);
    expect(good.result.outcome).toBe('passed');
    const live = (await target.current('test', runId))!;
    expect(live.version).toBe('1.0.0');

    const learned = await orchestrate('productionToOptimization', 'production-to-optimization', 1, good.refs);
    expect(learned.result.outcome).toBe('passed');
    expect(learned.refs.some((r) => r.kind === 'evolution-plan')).toBe(true);

    const broken = await runPhase(
      t.ports.artifacts,
      [
        patchService('lending', 'src/api/routes.ts', (old) =>
          old!.replace(
            "handler: async () => ({ status: 200, body: { status: 'ok' } })",
            "handler: async () => ({ status: 503, body: { status: 'degraded' } })",
          ),
        ),
      ],
      built,
      opts(2, 'architecture-to-development'),
    );
    const rereleased = await runPhase(
      t.ports.artifacts,
      testingToDeploymentAgents as Array<AgentDefinition<unknown>>,
      broken,
      opts(2, 'testing-to-deployment'),
    );
    const bad = (await orchestrate('deploymentToProduction', 'deployment-to-production', 2, rereleased))
      .result;
    expect(bad.outcome).toBe('failed');
    expect(bad.findings.join('\n')).toContain('new version deployed and switched: 1.1.0 rolled-back');

    const events = (await t.ports.runs.listEvents('test', runId)).map((e) => e.type);
    expect(events.filter((e) => e.startsWith('factory.Deployment'))).toEqual([
      'factory.DeploymentReady',
      'factory.DeploymentSuccessful',
      'factory.DeploymentFailed',
    ]);
    const current = (await target.current('test', runId))!;
    expect(current.version).toBe('1.0.0');
    expect((await fetch(`${current.services[0].url}/health`)).status).toBe(200);
    const kinds = (await t.ports.artifacts.list('test', runId))
      .filter((a) => a.path.startsWith('iteration-2/deployment-to-production'))
      .map((a) => a.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['deployment-report', 'health-check', 'rollback-report', 'gate-report']),
    );
  }, 180_000);
});
