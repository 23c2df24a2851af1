import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import {
  artifactFeedbackInbox,
  parseFeedback,
  storeFeedback,
} from '../../../agents/blueprint/operations/feedbackInbox';
import type { DeploymentReport } from '../../../agents/blueprint/operations/reports';
import { deploymentToProductionAgents, rollbackCoordinator } from '../../../agents/deployment-to-production';
import type { PostDeploymentCheck } from '../../../agents/deployment-to-production/postDeploymentValidator';
import type { RollbackReport } from '../../../agents/deployment-to-production/rollbackCoordinator';
import { productionToOptimizationAgents } from '../../../agents/production-to-optimization';
import type { CostReport } from '../../../agents/production-to-optimization/costOptimizer';
import type { CustomerInsights } from '../../../agents/production-to-optimization/customerSuccess';
import {
  deploymentRetention,
  type Retention,
} from '../../../agents/production-to-optimization/deploymentRetention';
import type { EvolutionPlan } from '../../../agents/production-to-optimization/feedbackEvolution';
import type { GrowthReport } from '../../../agents/production-to-optimization/growthStrategist';
import type { PerformanceReport } from '../../../agents/production-to-optimization/productionObserver';
import { testingToDeploymentAgents } from '../../../agents/testing-to-deployment';
import { visionArchitect } from '../../../agents/vision-to-architecture/visionArchitect';
import type { Vision } from '../../../toolchain/schemas/vision';
import { deploymentToProductionGate } from '../../../gates/deployment-to-production';
import { productionToOptimizationGate } from '../../../gates/production-to-optimization';
import { LocalBlueGreenTarget, type CurrentDeployment } from '../../../platform/deployment';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { testAgentPorts, type HarnessRun } from '../../support/agentHarness';
import { builtProduct, patchService } from './fixtures';
import { evaluate, readJson, releasedProduct, runPhase } from './phaseRunner';

// The rollback runs only after a failed gate; the test calls it on its own.
const phase5 = deploymentToProductionAgents.filter((agent) => agent.name !== rollbackCoordinator.name);
const phase6 = productionToOptimizationAgents as Array<AgentDefinition<unknown>>;

describe('Deployment to Production and Production to Optimization (tool library, local blue/green)', () => {
  const home = mkdtempSync(join(tmpdir(), 'factory-production-'));
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment });
  const ports = { ...testAgentPorts(home), deploymentTarget: () => target };
  const saved = { keep: process.env.FACTORY_KEEP_DEPLOYED };
  let built: HarnessRun;
  let first: ArtifactRef[];
  let live: CurrentDeployment;

  beforeAll(async () => {
    delete process.env.FACTORY_KEEP_DEPLOYED;
    let released: ArtifactRef[];
    ({ built, released } = await releasedProduct(
      [visionArchitect as AgentDefinition<unknown>, ...builtProduct],
      'neighbourhood-tool-library.md',
      ports,
    ));
    first = await runPhase(built.store, phase5, released, {
      iteration: 1,
      phase: 'deployment-to-production',
      ports,
    });
    live = (await target.current('test', 'run-1'))!;
  }, 120_000);

  afterAll(async () => {
    await target.undeploy('test', 'run-1');
    if (saved.keep !== undefined) process.env.FACTORY_KEEP_DEPLOYED = saved.keep;
    rmSync(home, { recursive: true, force: true });
  });

  it('deploys 1.0.0, validates it live and passes the production gate', async () => {
    const report = await readJson<DeploymentReport>(built.store, first, 'deployment-report');
    expect(report).toMatchObject({ version: '1.0.0', status: 'deployed', adapter: 'local-blue-green' });
    expect(report.routingFile).toBe(join(home, 'deployments/test/run-1/current.json'));
    expect(live).toMatchObject({ version: '1.0.0', status: 'live' });
    const post = await readJson<PostDeploymentCheck>(
      built.store,
      first,
      'health-check',
      'health-check-post.json',
    );
    expect(post.passed).toBe(true);
    expect(post.smoke.length).toBeGreaterThanOrEqual(3);
    expect(post.integration.map((c) => c.name)).toEqual(
      expect.arrayContaining(['POST /v1/tools, GET, DELETE and GET by id']),
    );
    // The checks leave nothing behind: every list of the live product is empty.
    const lists = post.smoke.filter((c) => c.url.includes('/v1/'));
    expect(lists.length).toBeGreaterThanOrEqual(2);
    const authorization = `Bearer ${await target.accessToken('test', 'run-1', { subject: 'tester', roles: [] })}`;
    for (const list of lists) {
      const page = (await (await fetch(list.url, { headers: { authorization } })).json()) as {
        items: unknown[];
        total: number;
      };
      expect({ url: list.url, total: page.total, items: page.items }).toEqual({
        url: list.url,
        total: 0,
        items: [],
      });
    }
    const criteria = await evaluate(built.store, deploymentToProductionGate, first);
    expect(criteria.filter((c) => !c.passed)).toEqual([]);
  });

  it('learns from the live product and the users, and plans the next iteration', async () => {
    await storeFeedback(
      built.store,
      'test',
      'run-1',
      parseFeedback(
        '{"text":"Reserving a tool is slow in the evening","rating":3}\n{"text":"The app showed an error when I returned a ladder","rating":2}\n{"text":"Great way to meet neighbours","rating":5}\n',
      ),
    );
    const learned = await runPhase(built.store, phase6, first, {
      iteration: 1,
      phase: 'production-to-optimization',
      ports: { ...ports, feedbackInbox: artifactFeedbackInbox(built.store) },
    });
    const perf = await readJson<PerformanceReport>(built.store, learned, 'performance-report');
    expect(perf.measured).toBe(true);
    expect(perf.services[0].requests).toBeGreaterThan(20);
    // Every probe request was answered 200 (a failure shows every status the probe met); a GET retried once after
    // its connection closed, as a browser would, is counted apart.
    const { retried = 0, ...statuses } = perf.services[0].statusCounts;
    expect(statuses).toEqual({ '200': perf.services[0].requests });
    expect(retried).toBeLessThan(5);
    expect(perf.services[0].errorRate).toBe(0);
    expect(perf.services[0].resources?.rssBytes).toBeGreaterThan(1_000_000);
    const insights = await readJson<CustomerInsights>(built.store, learned, 'customer-insights');
    expect(insights.satisfaction).toEqual({ ratings: 3, average: 3.33 });
    expect(insights.painPoints.map((p) => p.theme)).toEqual(['errors and failures', 'speed']);
    const growth = await readJson<GrowthReport>(built.store, learned, 'growth-report');
    expect(growth.metrics.length).toBeGreaterThanOrEqual(3);
    expect(growth.metrics.find((m) => /active members/i.test(m.name))?.status).toBe('not-measurable-yet');
    const cost = await readJson<CostReport>(built.store, learned, 'cost-report');
    const prod = cost.environments.find((e) => e.name === 'prod')!;
    expect(prod.monthlyTotal).toBeGreaterThan(cost.environments.find((e) => e.name === 'dev')!.monthlyTotal);
    expect(cost.recommendations.some((r) => r.change.includes('Standard_B2s'))).toBe(true);
    const plan = await readJson<EvolutionPlan>(built.store, learned, 'evolution-plan');
    expect(plan.nextIteration).toBe(2);
    expect(plan.backlog[0]).toMatchObject({ id: 'EV-001', priority: 'must', source: 'customer' });
    expect(plan.visionFeedback.some((f) => f.includes('errors and failures'))).toBe(true);
    // Each item goes to the next iteration's vision or says why not; the cost item is a setting, not the product.
    for (const item of plan.backlog)
      expect([item.id, Boolean(item.leftOut)]).toEqual([
        item.id,
        !plan.visionFeedback.some((f) => f.startsWith(`${item.id} `)),
      ]);
    expect(plan.backlog.find((b) => b.source === 'cost')?.leftOut).toMatch(
      /^a sizing of the deployed resources/,
    );
    // The next iteration's Vision Architect accounts for every item of the plan.
    const next = await runPhase(built.store, [visionArchitect as AgentDefinition<unknown>], learned, {
      iteration: 2,
      phase: 'vision-to-architecture',
      ports,
    });
    const vision = await readJson<Vision>(built.store, next, 'vision');
    for (const item of plan.backlog)
      expect(vision.feedbackAddressed.filter((f) => f.feedback.includes(item.id))).toHaveLength(1);
    const retention = await readJson<Retention>(built.store, learned, 'deployment-retention');
    expect(retention).toMatchObject({ decision: 'kept', version: '1.0.0' });
    expect(
      (await evaluate(built.store, productionToOptimizationGate, learned)).filter((c) => !c.passed),
    ).toEqual([]);
  }, 60_000);

  it('rolls back a release whose health check fails: 1.0.0 keeps answering and the gate fails', async () => {
    const broken = patchService('lending', 'src/api/routes.ts', (old) =>
      old!.replace(
        "handler: async () => ({ status: 200, body: { status: 'ok' } })",
        "handler: async () => ({ status: 503, body: { status: 'degraded' } })",
      ),
    );
    const refs = await runPhase(built.store, [broken], built.refs, {
      iteration: 2,
      phase: 'architecture-to-development',
      ports,
    });
    const released = await runPhase(
      built.store,
      testingToDeploymentAgents as Array<AgentDefinition<unknown>>,
      refs,
      { iteration: 2, phase: 'testing-to-deployment', ports },
    );
    const second = await runPhase(built.store, phase5, released, {
      iteration: 2,
      phase: 'deployment-to-production',
      ports,
    });
    const report = await readJson<DeploymentReport>(built.store, second, 'deployment-report');
    expect(report).toMatchObject({
      version: '1.1.0',
      status: 'rolled-back',
      previousVersion: '1.0.0',
      rollback: { restored: '1.0.0' },
    });
    expect(report.health[0]).toMatchObject({ passed: false, status: 503 });
    const current = (await target.current('test', 'run-1'))!;
    expect(current.version).toBe('1.0.0');
    const health = await fetch(`${current.services[0].url}/health`);
    expect(health.status).toBe(200);
    const criteria = await evaluate(built.store, deploymentToProductionGate, second, 2);
    expect(criteria.find((c) => c.name === 'new version deployed and switched')).toMatchObject({
      passed: false,
    });
    expect(criteria.find((c) => c.name === 'released version serving')?.findings).toEqual([
      'serving 1.0.0, released 1.1.0',
    ]);
    const afterGate = await runPhase(built.store, [rollbackCoordinator as AgentDefinition<unknown>], second, {
      iteration: 2,
      phase: 'deployment-to-production',
      ports,
    });
    expect(await readJson<RollbackReport>(built.store, afterGate, 'rollback-report')).toMatchObject({
      action: 'already-rolled-back',
    });
  }, 90_000);

  it('stops the product at the end of the run when FACTORY_KEEP_DEPLOYED=false', async () => {
    process.env.FACTORY_KEEP_DEPLOYED = 'false';
    try {
      const url = (await target.current('test', 'run-1'))!.services[0].url;
      const refs = await runPhase(built.store, [deploymentRetention as AgentDefinition<unknown>], [], {
        iteration: 3,
        phase: 'production-to-optimization',
        ports,
      });
      expect(await readJson<Retention>(built.store, refs, 'deployment-retention')).toMatchObject({
        decision: 'stopped',
        stopped: 1,
      });
      await expect(fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) })).rejects.toThrow();
    } finally {
      delete process.env.FACTORY_KEEP_DEPLOYED;
    }
  });
});
