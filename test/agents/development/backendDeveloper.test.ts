import { techLead } from '../../../agents/architecture-to-development/techLead';
import { backendDeveloper, filesNamedIn } from '../../../agents/architecture-to-development/backendDeveloper';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import type { AgentDefinition, FolderIndex } from '../../../core/agent';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { architectureToDevelopmentGate } from '../../../gates/architecture-to-development';
import { gateContext as phaseGateContext, runAgents, type HarnessRun } from '../../support/agentHarness';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { toolLibraryInOneContext } from '../../support/fixtures/toolLibrary';
import { clinicModel, domainModelInput } from './fixtures';

const agents = (model: DomainModel) =>
  [domainModelInput(model), apiDesigner, techLead, backendDeveloper] as Array<AgentDefinition<unknown>>;

const gateContext = (run: HarnessRun, refs = run.refs) =>
  phaseGateContext(run, 'architecture-to-development', refs);

const backendCriteria = [
  'backend services generated',
  'service type-check diagnostics',
  'OpenAPI operations without a handler',
];

describe('Tech Lead and Backend Developer', () => {
  let library: HarnessRun;
  let clinic: HarnessRun;

  beforeAll(async () => {
    library = await runAgents(agents(toolLibraryInOneContext), { visionText: 'tool library' });
    clinic = await runAgents(agents(clinicModel), { visionText: 'clinic' });
  });

  it('plans streams with tasks per context and dependencies', async () => {
    const plan = await clinic.json<{
      streams: Array<{ stream: string; tasks: Array<{ id: string; dependsOn: string[] }> }>;
    }>('development-plan');
    expect(plan.streams.map((s) => s.stream)).toEqual([
      'backend',
      'frontend',
      'mobile',
      'infrastructure',
      'database',
    ]);
    const backend = plan.streams.find((s) => s.stream === 'backend')!;
    expect(backend.tasks.find((t) => t.id === 'be-billing-api')?.dependsOn).toEqual([
      'be-billing-domain',
      'be-scheduling-api',
    ]);
  });

  it('writes one service folder per bounded context in Clean Architecture layers', async () => {
    expect(clinic.all('service-source')).toHaveLength(2);
    const index = await library.json<FolderIndex>('service-source');
    expect(index.folder).toBe('services/lending');
    const paths = index.files.map((f) => f.path);
    for (const expected of [
      'package.json',
      'tsconfig.json',
      'src/domain/loan.ts',
      'src/application/loanUseCases.ts',
      'src/infrastructure/inMemoryRepository.ts',
      'src/api/routes.ts',
      'src/api/server.ts',
      'src/main.ts',
      'test/api.test.ts',
    ]) {
      expect(paths).toContain(expected);
    }
    const pkg = JSON.parse(
      (await library.store.get('test', 'run-1', `${index.root}/package.json`)).toString(),
    ) as Record<string, unknown>;
    // Node.js built-ins, the PostgreSQL driver, the Service Bus SDK and jose the factory carries, nothing else.
    expect(pkg.dependencies).toEqual({
      pg: expect.stringMatching(/^\^8\./),
      '@azure/service-bus': expect.stringMatching(/^\^7\./),
      jose: expect.stringMatching(/^\^5\./),
    });
    expect(Object.keys(pkg.scripts as object)).toEqual(['build', 'test', 'start']);
  });

  it('passes the gate: every service type-checks and every OpenAPI operation has a handler', async () => {
    for (const run of [library, clinic]) {
      const criteria = await architectureToDevelopmentGate.evaluate(gateContext(run));
      // Other criteria of this gate (migrations, Bicep) judge artifacts these agents do not write.
      const own = criteria.filter((c) => backendCriteria.includes(c.name));
      expect(own.map((c) => c.name)).toEqual(backendCriteria);
      expect(own.filter((c) => !c.passed)).toEqual([]);
    }
  }, 180_000);

  it('fails the gate with file:line diagnostics and the missing operation when the code is broken', async () => {
    const ref = library.all('service-source')[0];
    const files = await gateContext(library).readFolder(ref);
    const broken = files.map((f) => {
      if (f.path === 'src/api/routes.ts') {
        // Drops the approve route and breaks a type.
        const text = f.content
          .toString()
          .replace(/\{\n\s+method: 'POST',\n\s+path: "\/v1\/loans\/\{id\}\/approve"[\s\S]*?\n {4}\},\n/, '');
        return { path: f.path, content: text };
      }
      if (f.path === 'src/domain/tool.ts')
        return { path: f.path, content: f.content.toString() + '\nexport const broken: number = "text";\n' };
      return { path: f.path, content: f.content };
    });
    const ctx = createAgentContext({
      store: library.store,
      runId: library.runId,
      tenantId: library.tenantId,
      iteration: 1,
      attempt: 2,
      phase: 'architecture-to-development',
      agent: 'test',
      inputs: [],
    });
    const brokenRef = await ctx.writeFolder({
      folder: 'services/lending',
      kind: 'service-source',
      files: broken,
    });
    const criteria = await architectureToDevelopmentGate.evaluate(
      gateContext(library, [...library.refs.filter((r) => r.kind !== 'service-source'), brokenRef]),
    );
    const typeCheck = criteria.find((c) => c.name === 'service type-check diagnostics')!;
    expect(typeCheck.passed).toBe(false);
    expect(typeCheck.findings.join('\n')).toMatch(/services\/lending\/src\/domain\/tool\.ts:\d+ TS2322/);
    const handlers = criteria.find((c) => c.name === 'OpenAPI operations without a handler')!;
    expect(handlers.findings).toEqual([
      'services/lending: no handler for POST /v1/loans/{id}/approve (operation approveLoan) in src/api/routes.ts',
    ]);
  });

  it('names the files a finding points at', () => {
    expect(
      filesNamedIn('test "x" failed in test/api.test.ts (test/api.test.ts:12); suspect src/api/routes.ts'),
    ).toEqual(['test/api.test.ts', 'src/api/routes.ts']);
  });
});
