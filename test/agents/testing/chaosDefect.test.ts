import { backendDeveloper } from '../../../agents/architecture-to-development/backendDeveloper';
import type { AgentDefinition } from '../../../core/agent';
import { chaosEngineer, type ChaosTestReport } from '../../../agents/development-to-testing/chaosEngineer';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import { developmentToTestingGate } from '../../../gates/development-to-testing';
import { evaluateGate, runAgents } from '../../support/agentHarness';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { domainModelInput } from '../development/fixtures';

describe('Resiliency & Chaos Engineer against a fragile service', () => {
  it('reports the repository fault the service did not survive, and the gate names it', async () => {
    const built = await runAgents(
      [domainModelInput(toolLibraryInOneContext), apiDesigner, backendDeveloper] as Array<
        AgentDefinition<unknown>
      >,
      {
        visionText: 'tool library',
      },
    );
    // A service that lets a store outage escape as a 500 instead of answering 503.
    const ctx = createAgentContext({
      store: built.store,
      runId: built.runId,
      tenantId: built.tenantId,
      iteration: 1,
      attempt: 2,
      phase: 'architecture-to-development',
      agent: 'test',
      inputs: [],
    });
    const files = (await ctx.readFolder(built.all('service-source')[0])).map((f) =>
      f.path === 'src/api/server.ts'
        ? {
            path: f.path,
            content: f.content
              .toString()
              .replace(
                'if (error instanceof RepositoryUnavailableError) {',
                'if (error instanceof RepositoryUnavailableError && false) {',
              ),
          }
        : f,
    );
    expect(files.find((f) => f.path === 'src/api/server.ts')?.content.toString()).toContain(
      'RepositoryUnavailableError && false',
    );
    const fragile = await ctx.writeFolder({ folder: 'services/lending', kind: 'service-source', files });
    const inputs = [...built.refs.slice(1).filter((r) => r.kind !== 'service-source'), fragile];
    const run = await runAgents([chaosEngineer] as Array<AgentDefinition<unknown>>, {
      visionText: 'tool library',
      store: built.store,
      runId: built.runId,
      inputs,
    });

    const report = await run.json<ChaosTestReport['services'][number]>('chaos-test');
    const failing = report.experiments.find((e) => e.name === 'failing repository')!;
    expect(failing.survived).toBe(false);
    expect(failing.observations).toEqual(['list 500', 'create 500', 'still healthy']);
    expect(
      report.experiments.filter((e) => e.category === 'malformed-request').every((e) => e.survived),
    ).toBe(true);

    const criteria = await evaluateGate(developmentToTestingGate, run);
    expect(
      criteria.find((c) => c.name === 'chaos: malformed requests and repository faults survived')?.findings,
    ).toEqual(['lending: did not survive "failing repository": list 500; create 500; still healthy']);
  }, 180_000);
});
