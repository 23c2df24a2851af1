import { createTelemetry, useTelemetry, type Telemetry } from '../../platform/telemetry';
import {
  recordModelUsage,
  runOperationId,
  runTrace,
  traceAgent,
  trackCommandDeadLettered,
} from '../../telemetry';
import { startIngestionServer, type Envelope, type IngestionServer } from './ingestionServer';

const iKey = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

describe("the factory's recorders", () => {
  let server: IngestionServer;
  let t: Telemetry;
  beforeAll(async () => {
    server = await startIngestionServer();
    t = createTelemetry(
      { APPLICATIONINSIGHTS_CONNECTION_STRING: server.connectionString(iKey) },
      { ...server.options, intervalMs: 60_000 },
    );
    useTelemetry(t);
  });
  afterAll(async () => {
    useTelemetry(undefined);
    await t.shutdown();
    await server.close();
  });

  const metric = (e: Envelope) => (e.data.baseData.metrics as Array<{ name: string; value: number }>)[0];
  const metricsNamed = (name: string) =>
    server.envelopes
      .filter((e) => e.data.baseType === 'MetricData' && metric(e).name === name)
      .map((e) => ({ ...metric(e), props: e.data.baseData.properties as Record<string, string> }));

  const input = {
    runId: 'run-3',
    tenantId: 't',
    phase: 'vision-to-architecture' as const,
    iteration: 1,
    attempt: 1,
    model: 'azure-openai',
    manifest: { path: 'm', sha256: 's', kind: 'context-manifest' as const },
    inputs: [],
    feedback: [],
  };

  it("adds the model usage reported inside an agent span to that agent's TokensUsed", async () => {
    await traceAgent('visionArchitect', input, async () => {
      recordModelUsage({ promptTokens: 100, completionTokens: 20, estimatedCost: 0.01 });
      recordModelUsage({ promptTokens: 5, completionTokens: 5 });
    });
    // Outside an agent span there is no agent to charge: nothing is recorded, nothing thrown.
    expect(() => recordModelUsage({ promptTokens: 1, completionTokens: 1 })).not.toThrow();
    await expect(
      traceAgent('x', input, async () => {
        recordModelUsage({ promptTokens: -1, completionTokens: 0 });
      }),
    ).rejects.toThrow(/non-negative/);
    await t.flush();

    expect(metricsNamed('TokensUsed').find((m) => m.props.agent === 'visionArchitect')).toMatchObject({
      value: 130,
      props: {
        agent: 'visionArchitect',
        phase: 'vision-to-architecture',
        tenantId: 't',
        runId: 'run-3',
        promptTokens: '105',
        completionTokens: '25',
      },
    });
    expect(metricsNamed('EstimatedCost')).toEqual([expect.objectContaining({ value: 0.01 })]);
    expect(metricsNamed('AgentFailures')).toEqual([
      expect.objectContaining({ value: 1, props: expect.objectContaining({ agent: 'x' }) }),
    ]);
    const agents = server.envelopes.filter((e) => e.data.baseType === 'RemoteDependencyData');
    expect(agents.map((e) => e.data.baseData.name).sort()).toEqual(['agent visionArchitect', 'agent x']);
    const phase = runTrace(input).phase('vision-to-architecture', 1, 1);
    for (const agent of agents) expect(agent.tags['ai.operation.parentId']).toBe(phase.spanId);
  });

  it('counts a dead-lettered command and says why, in the trace of its run', async () => {
    trackCommandDeadLettered({
      type: 'StartRun',
      runId: 'run-4',
      tenantId: 't',
      reason: 'invalid',
      description: 'vision: empty',
    });
    await t.flush();
    expect(metricsNamed('CommandsDeadLettered')).toEqual([
      expect.objectContaining({ value: 1, props: expect.objectContaining({ commandType: 'StartRun' }) }),
    ]);
    const warning = server.envelopes.find(
      (e) => e.data.baseType === 'MessageData' && String(e.data.baseData.message).includes('dead-lettered'),
    );
    expect(warning?.data.baseData).toMatchObject({
      message: 'command StartRun dead-lettered: invalid: vision: empty',
      severityLevel: 'Error',
    });
    expect(warning?.tags['ai.operation.id']).toBe(runOperationId('t', 'run-4'));
  });

  it("traces a run by its instance id: two tenants' runs of one run id are two traces", () => {
    expect(runOperationId('tenant-a', 'run-1')).not.toBe(runOperationId('tenant-b', 'run-1'));
  });
});
