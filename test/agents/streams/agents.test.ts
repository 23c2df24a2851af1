import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import { codeCommitter, type CommitRecord } from '../../../agents/architecture-to-development/codeCommitter';
import { databaseArchitect } from '../../../agents/architecture-to-development/databaseArchitect';
import { frontendDeveloper } from '../../../agents/architecture-to-development/frontendDeveloper';
import { infrastructureEngineer } from '../../../agents/architecture-to-development/infrastructureEngineer';
import { mobileDeveloper } from '../../../agents/architecture-to-development/mobileDeveloper';
import {
  pullRequestCreator,
  type PullRequest,
} from '../../../agents/architecture-to-development/pullRequestCreator';
import { clientsTypeCheckCriterion } from '../../../toolchain/clients/criteria';
import { migrationsApplyCriterion } from '../../../toolchain/database/criteria';
import { productBicepCriterion } from '../../../toolchain/infrastructure/criteria';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import { executeAgent } from '../../../agents/runtime/executeAgent';
import { apiDesigner } from '../../../agents/vision-to-architecture/apiDesigner';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { testAgentPorts } from '../../support/agentHarness';
import { plantNurseryModel } from './fixtures/plantNursery';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';
import type { ArtifactKind } from '../../../core/artifactKinds';
import { architectureToDevelopment } from '../../../orchestrations/architectureToDevelopment';
import { phaseSteps } from '../../../orchestrations/phaseSteps';

const backlog = {
  product: 'Neighbourhood Tool Library',
  epics: [
    {
      id: 'EP-01',
      name: 'Lending',
      description: 'Lend tools',
      feature: 'Lending',
      entity: 'Loan',
      featureFile: 'features/lending.feature',
    },
  ],
  stories: [
    {
      id: 'US-001',
      epic: 'EP-01',
      title: 'Approve a loan',
      persona: 'Librarian',
      entity: 'Loan',
      operation: 'ApproveLoan',
      asA: 'librarian',
      iWant: 'to approve a loan',
      soThat: 'the member gets the tool',
      text: 'As a librarian, I want to approve a loan, so that the member gets the tool',
      priority: 'must',
      estimate: 3,
      release: 'R1',
      acceptanceCriteria: [
        {
          name: 'approve',
          kind: 'positive',
          given: ['a requested loan'],
          when: ['I approve it'],
          then: ['it is active'],
        },
      ],
    },
  ],
};

async function setUp(model: DomainModel) {
  const store = new FilesystemArtifactStore(mkdtempSync(join(tmpdir(), 'factory-streams-')));
  const home = mkdtempSync(join(tmpdir(), 'factory-home-'));
  const ports = testAgentPorts(home);
  const put = async (path: string, kind: ArtifactKind, content: unknown): Promise<ArtifactRef> => {
    const entry = await store.put('test', 'run-1', path, JSON.stringify(content), {
      kind,
      phase: 'input',
      agent: 'test',
      contentType: 'application/json',
    });
    return { path: entry.path, sha256: entry.sha256, kind };
  };
  const refs: ArtifactRef[] = [
    await put('inputs/domain-model.json', 'domain-model', model),
    await put('inputs/backlog.json', 'backlog', backlog),
  ];
  const run = async (
    agent: AgentDefinition<unknown>,
    iteration = 1,
    attempt = 1,
    feedback: string[] = [],
  ) => {
    const ctx = createAgentContext({
      store,
      runId: 'run-1',
      tenantId: 'test',
      iteration,
      attempt,
      phase: agent.phase,
      agent: agent.name,
      inputs: [...refs],
      feedback,
      ports,
    });
    const result = await executeAgent(agent, ctx);
    refs.push(...result.artifacts);
    return result;
  };
  const gateContext = () =>
    createAgentContext({
      store,
      runId: 'run-1',
      tenantId: 'test',
      iteration: 1,
      attempt: 1,
      phase: 'architecture-to-development',
      agent: 'gate',
      inputs: [...refs],
    });
  const newest = async <T>(kind: string): Promise<T> =>
    JSON.parse(
      (await store.get('test', 'run-1', refs.filter((r) => r.kind === kind).pop()!.path)).toString('utf8'),
    ) as T;
  return { store, home, refs, run, gateContext, newest };
}

const streamAgents = [frontendDeveloper, mobileDeveloper, infrastructureEngineer, databaseArchitect] as Array<
  AgentDefinition<unknown>
>;

describe('phase 2 streams', () => {
  it('lists the phase in order with the five streams as one parallel group', () => {
    expect(phaseSteps(architectureToDevelopment, 'architecture-to-development')).toEqual([
      'techLead',
      'policyWriter',
      [
        'backendDeveloper',
        'frontendDeveloper',
        'mobileDeveloper',
        'infrastructureEngineer',
        'databaseArchitect',
      ],
      'codeCommitter',
      'pullRequestCreator',
    ]);
  });

  it.each([
    ['tool library', toolLibraryModel],
    ['plant nursery', plantNurseryModel],
  ] as const)(
    'build web, mobile, infra and migrations from the API Designer documents for the %s, and pass their gate criteria',
    async (_, model) => {
      const setup = await setUp(model);
      await setup.run(apiDesigner as AgentDefinition<unknown>);
      for (const agent of streamAgents) await setup.run(agent);
      expect(setup.refs.filter((r) => r.kind === 'migration')).toHaveLength(model.contexts.length);
      const ctx = setup.gateContext();
      const clients = await clientsTypeCheckCriterion(ctx);
      expect(clients).toMatchObject({ value: 2, threshold: 2, passed: true, findings: [] });
      const migrations = await migrationsApplyCriterion(ctx);
      expect(migrations).toMatchObject({ value: model.contexts.length, passed: true, findings: [] });
      const bicep = await productBicepCriterion(ctx, { env: { PATH: '/nonexistent' } });
      expect(bicep).toEqual({
        name: 'product Bicep compiles',
        value: 'skipped',
        threshold: 'compiled',
        passed: true,
        findings: [expect.stringContaining('Bicep was not compiled')],
      });
    },
  );

  it('the database architect reacts to a failed apply by deferring foreign keys', async () => {
    const setup = await setUp(toolLibraryModel);
    await setup.run(databaseArchitect as AgentDefinition<unknown>, 1, 2, [
      'db/lending/002_create_loans.sql line 9: relation "tools" does not exist (SQLSTATE 42P01)',
    ]);
    const files = await setup.store.list('test', 'run-1');
    expect(files.map((f) => f.path)).toContain(
      'iteration-1/architecture-to-development/attempt-2/db/lending/003_add_foreign_keys.sql',
    );
  });

  it('commits each stream on factory/<runId>, stacks a second iteration, reruns idempotently, and the PR matches git diff', async () => {
    const setup = await setUp(toolLibraryModel);
    const committer = codeCommitter as AgentDefinition<unknown>;
    await setup.run(apiDesigner as AgentDefinition<unknown>);
    for (const agent of streamAgents) await setup.run(agent);
    await setup.run(committer);
    const first = await setup.newest<CommitRecord>('commit');
    expect(first.repository).toBe(join(setup.home, 'repos', 'test', 'run-1.git'));
    expect(first.branch).toBe('factory/run-1');
    expect(first.base).toBeNull();
    expect(first.commits.map((c) => [c.stream, c.changed])).toEqual([
      ['frontend', true],
      ['mobile', true],
      ['infrastructure', true],
      ['database', true],
    ]);
    const git = (...args: string[]) =>
      execFileSync('git', ['--git-dir', first.repository, ...args], { encoding: 'utf8' });
    expect(git('log', '--format=%s|%an <%ae>', 'factory/run-1').trim().split('\n')).toEqual([
      'feat(database): add database migrations and seed data for lending, membership|Software Factory <factory@localhost>',
      'feat(infrastructure): add infrastructure as code (Bicep)|Software Factory <factory@localhost>',
      'feat(mobile): add mobile app (PWA)|Software Factory <factory@localhost>',
      'feat(frontend): add web client|Software Factory <factory@localhost>',
    ]);
    expect(
      new Set(
        git('ls-tree', '-r', '--name-only', 'factory/run-1')
          .split('\n')
          .map((p) => p.split('/')[0]),
      ),
    ).toEqual(new Set(['web', 'mobile', 'infra', 'db', '']));

    // Rerunning the same attempt commits nothing and writes the identical record.
    await setup.run(committer);
    expect(git('rev-parse', 'factory/run-1').trim()).toBe(first.head);
    expect(await setup.newest<CommitRecord>('commit')).toEqual(first);

    await setup.run(pullRequestCreator as AgentDefinition<unknown>);
    const pr = await setup.newest<PullRequest>('pull-request');
    const numstat = git('diff', '--numstat', '4b825dc642cb6eb9a060e54bf8d69288fbee4904', first.head)
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(pr.files.map((f) => [String(f.added), String(f.removed), f.path])).toEqual(numstat);
    expect(pr.totals).toEqual({
      files: numstat.length,
      added: numstat.reduce((n, l) => n + Number(l[0]), 0),
      removed: 0,
    });
    expect(pr.description).toContain('US-001: Approve a loan');
    expect(pr.stories).toEqual([{ id: 'US-001', title: 'Approve a loan', context: 'Lending' }]);

    // Iteration 2: the model gains an attribute; only the affected streams get a commit, on top of the first.
    const changed: DomainModel = JSON.parse(JSON.stringify(toolLibraryModel));
    changed.contexts[1].entities[0].attributes.push({
      name: 'brand',
      type: 'string',
      required: false,
      description: 'Maker',
      maxLength: 60,
    });
    const entry = await setup.store.put(
      'test',
      'run-1',
      'inputs/domain-model-2.json',
      JSON.stringify(changed),
      { kind: 'domain-model', phase: 'input', agent: 'test', contentType: 'application/json' },
    );
    setup.refs.push({ path: entry.path, sha256: entry.sha256, kind: 'domain-model' });
    await setup.run(apiDesigner as AgentDefinition<unknown>, 2);
    for (const agent of streamAgents) await setup.run(agent, 2);
    // Only iteration 2's folders are committed: the committer sees the newest refs of each kind last.
    setup.refs.splice(0, setup.refs.length, ...setup.refs.filter((r) => !/^iteration-1\//.test(r.path)));
    await setup.run(committer, 2);
    const second = await setup.newest<CommitRecord>('commit');
    expect(second.base).toBe(first.head);
    expect(git('rev-list', '--count', 'factory/run-1').trim()).toBe(
      String(4 + second.commits.filter((c) => c.changed).length),
    );
    expect(second.commits.find((c) => c.stream === 'database')!.changed).toBe(true);
    expect(second.commits.find((c) => c.stream === 'infrastructure')!.changed).toBe(false);
    const diff = git('diff', '--numstat', first.head, second.head);
    expect(diff).toContain('db/lending/001_create_tools.sql');
    expect(git('show', `${second.head}:db/lending/001_create_tools.sql`)).toContain('brand varchar(60)');
  });
});
