// Parallel efficiency: a run whose agents each wait a fixed time per model call (a simulated model), its wall
// time divided by the critical-path time of the phase graph. Run with `node dist/bench/parallelEfficiency.js [ms]`.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ProviderFactory } from '../agents/runtime/modelProviders';
import { openBenchFactory, projectRoot } from './benchFactory';

/**
 * Agents the phase orchestrators run side by side, one set per parallel step. Imported only once the bench
 * factory has installed the embedded host's Functions hook: orchestrator modules register themselves on load.
 */
async function parallelSteps(): Promise<string[][]> {
  const { phaseSteps } = await import('../orchestrations/phaseSteps');
  const phases = await Promise.all([
    import('../orchestrations/architectureToDevelopment').then((m) =>
      phaseSteps(m.architectureToDevelopment, 'architecture-to-development'),
    ),
    import('../orchestrations/developmentToTesting').then((m) =>
      phaseSteps(m.developmentToTesting, 'development-to-testing'),
    ),
    import('../orchestrations/testingToDeployment').then((m) =>
      phaseSteps(m.testingToDeployment, 'testing-to-deployment'),
    ),
    import('../orchestrations/productionToOptimization').then((m) =>
      phaseSteps(m.productionToOptimization, 'production-to-optimization'),
    ),
  ]);
  return phases.flatMap((steps) => steps.filter((step) => Array.isArray(step)));
}

/**
 * The `latency` provider: the blueprint's answer after a fixed wait, for every agent a model would answer
 * (deployments, scans and probes are measured, never asked of a model, so they do not wait).
 */
function latencyProvider(name: string, latencyMs: number): ProviderFactory {
  return () => ({
    name,
    async generate(agent, ctx) {
      if (agent.uses === 'model') await sleep(latencyMs);
      return { output: await agent.blueprint(ctx) };
    },
  });
}

export interface ParallelEfficiency {
  vision: string;
  latencyMs: number;
  wallMs: number;
  /** Sum over the sequence of steps of the step's longest activity execution. */
  criticalPathMs: number;
  /** Every activity execution's time added up: the run done one activity at a time. */
  serialMs: number;
  ratio: number;
  activities: number;
}

export async function benchParallelEfficiency(
  latencyMs = 1000,
  vision = 'neighbourhood-tool-library',
): Promise<ParallelEfficiency> {
  const model = `latency-${latencyMs}`;
  const bench = await openBenchFactory(projectRoot, 'parallel', {
    [model]: latencyProvider(model, latencyMs),
  });
  try {
    const runId = await bench.start(vision, 'parallel', { model });
    await bench.complete([runId]);
    const { factory, tenantId } = bench.session;
    const run = factory.runStatus(tenantId, runId)!;
    const wallMs = Date.parse(run.lastUpdatedTime) - Date.parse(run.createdTime);
    const executions = factory.runTrace(tenantId, runId).map((a) => ({
      ...a,
      ms: Date.parse(a.endedAt ?? a.startedAt) - Date.parse(a.startedAt),
    }));
    // Within an orchestration, steps follow one another; a parallel step lasts as long as its slowest agent.
    const groups = await parallelSteps();
    let criticalPathMs = 0;
    const slowestInStep = new Map<string, number>();
    for (const execution of executions) {
      const step = groups.findIndex((names) => names.includes(execution.functionName));
      if (step < 0) criticalPathMs += execution.ms;
      else {
        const key = `${execution.instanceId}#${step}`;
        slowestInStep.set(key, Math.max(slowestInStep.get(key) ?? 0, execution.ms));
      }
    }
    for (const ms of slowestInStep.values()) criticalPathMs += ms;
    return {
      vision,
      latencyMs,
      wallMs,
      criticalPathMs,
      serialMs: executions.reduce((sum, a) => sum + a.ms, 0),
      ratio: Number((wallMs / criticalPathMs).toFixed(3)),
      activities: executions.length,
    };
  } finally {
    await bench.close();
  }
}

if (require.main === module)
  benchParallelEfficiency(Number(process.argv[2] ?? 1000), process.argv[3])
    .then((r) => console.log(JSON.stringify(r, null, 2)))
    .catch((e) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    });
