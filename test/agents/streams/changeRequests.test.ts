import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AgentDefinition, ArtifactRef } from '../../../core/agent';
import type { ArtifactKind } from '../../../core/artifactKinds';
import { visionToArchitectureAgents } from '../../../agents/vision-to-architecture';
import { databaseArchitect } from '../../../agents/architecture-to-development/databaseArchitect';
import { migrationsApplyCriterion } from '../../../toolchain/database/criteria';
import type { DomainModel } from '../../../toolchain/schemas/domainModel';
import { gateContext, runAgents, type HarnessRun } from '../../support/agentHarness';

/*
 * What a change request removes is carried out on the vision, and the product's databases follow: a removal
 * that would drop data stops at the Architecture-to-Development gate with the reason, unless the request's
 * front matter allows losing data.
 */

const vision = readFileSync(
  join(__dirname, '../../../examples/visions/neighbourhood-tool-library.md'),
  'utf8',
);
const agents = [...visionToArchitectureAgents, databaseArchitect] as Array<AgentDefinition<unknown>>;

/** The sample's phase 1 and its databases, as the product's last release. */
let released: HarnessRun;
beforeAll(async () => {
  released = await runAgents(agents, { visionText: vision });
}, 120_000);

/** A run that applies `request` to the released product, with the inputs a change run is started with. */
async function changeRun(runId: string, request: string): Promise<HarnessRun> {
  const { store, tenantId } = released;
  const folders = [];
  for (const ref of released.all('migration')) {
    const index = JSON.parse((await store.get(tenantId, released.runId, ref.path)).toString()) as {
      folder: string;
      root: string;
      files: Array<{ path: string }>;
    };
    const files = [];
    for (const file of index.files)
      files.push({
        path: file.path,
        content: (await store.get(tenantId, released.runId, `${index.root}/${file.path}`)).toString(),
      });
    folders.push({ folder: index.folder, files });
  }
  const inputs: ArtifactRef[] = [];
  for (const [path, kind, content] of [
    ['input/change-request.md', 'change-request', request],
    ['input/previous/domain-model.json', 'previous-domain-model', await released.text('domain-model')],
    ['input/previous/migrations.json', 'previous-migrations', JSON.stringify({ folders })],
  ] as Array<[string, ArtifactKind, string]>) {
    const entry = await store.put(tenantId, runId, path, content, {
      kind,
      phase: 'input',
      agent: 'user',
      contentType: 'text/plain',
    });
    inputs.push({ path: entry.path, sha256: entry.sha256, kind });
  }
  return runAgents(agents, { visionText: vision, store, runId, inputs });
}

describe('a change request that removes what the product has', () => {
  it('removes the attribute, and the gate stops the migration that would drop its values', async () => {
    const run = await changeRun(
      'run-refused',
      '## Simpler tools\n\n- Remove the attribute condition of Tool.\n',
    );
    const tool = (await run.json<DomainModel>('domain-model')).contexts
      .flatMap((c) => c.entities)
      .find((e) => e.name === 'Tool')!;
    expect(tool.attributes.map((a) => a.name)).not.toContain('condition');
    const criterion = await migrationsApplyCriterion(gateContext(run, 'architecture-to-development'));
    expect(criterion.passed).toBe(false);
    // Final: the run fails at once, since reworking the phase would refuse the same migration again.
    expect(criterion.final).toBe(true);
    expect(criterion.findings).toEqual([
      'db/tools: the migration to this version drops the column tools.condition and the values in it (a renamed entity or attribute shows as one dropped and one added: the data is not carried across a rename); the change must say that this data may be lost (allowDataLoss: true)',
    ]);
  }, 120_000);

  it('stops a change that removes a whole service with its rows, unless it allows losing them', async () => {
    const before = await released.json<DomainModel>('domain-model');
    const ratings = before.contexts.find((c) => c.slug === 'ratings')!;
    const removals = ratings.entities.map((e) => `- Remove the entity ${e.name}.`).join('\n');
    const refused = await changeRun('run-no-ratings', `## No ratings\n\n${removals}\n`);
    expect((await refused.json<DomainModel>('domain-model')).contexts.map((c) => c.slug)).not.toContain(
      'ratings',
    );
    const criterion = await migrationsApplyCriterion(gateContext(refused, 'architecture-to-development'));
    expect([criterion.passed, criterion.final]).toEqual([false, true]);
    expect(criterion.findings).toEqual([
      expect.stringMatching(
        /^db\/ratings: the migration to this version removes the service ratings and, with it, the rows of its tables \(.+\); the change must say that this data may be lost \(allowDataLoss: true\)$/,
      ),
    ]);
    const allowed = await changeRun(
      'run-no-ratings-allowed',
      `---\nallowDataLoss: true\n---\n## No ratings\n\n${removals}\n`,
    );
    const passed = await migrationsApplyCriterion(gateContext(allowed, 'architecture-to-development'));
    expect(passed).toMatchObject({ passed: true, findings: [] });
  }, 120_000);

  it('drops the column when the request allows losing data, and the migrations apply', async () => {
    const run = await changeRun(
      'run-allowed',
      '---\nallowDataLoss: true\n---\nRemove the attribute condition of Tool.\n',
    );
    const criterion = await migrationsApplyCriterion(gateContext(run, 'architecture-to-development'));
    expect(criterion).toMatchObject({ passed: true, findings: [] });
    expect(criterion.final).toBeUndefined();
    const index = run.all('migration').find((ref) => ref.path.endsWith('db/tools/.folder.json'))!;
    const { root, files } = JSON.parse(
      (await run.store.get(run.tenantId, run.runId, index.path)).toString(),
    ) as {
      root: string;
      files: Array<{ path: string }>;
    };
    expect(files.map((f) => f.path).filter((path) => /^\d{3}_/.test(path))).toEqual([
      '001_create_tools.sql',
      '002_create_reservations.sql',
      '003_create_disputes.sql',
      '004_create_loans.sql',
      '005_create_outbox.sql',
      '006_release_1_0_0.sql',
    ]);
    const script = (await run.store.get(run.tenantId, run.runId, `${root}/006_release_1_0_0.sql`)).toString();
    expect(script).toContain('ALTER TABLE tools DROP COLUMN condition;');
  }, 120_000);
});
