import { applyMigrations } from '../../../toolchain/database/applyMigrations';
import {
  evolveMigrations,
  generateMigrations,
  seedId,
} from '../../../agents/blueprint/database/postgresMigrations';
import type { DomainModel, Entity } from '../../../toolchain/schemas/domainModel';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgentContext } from '../../../agents/runtime/agentContext';
import type { ArtifactRef } from '../../../core/agent';
import { FilesystemArtifactStore } from '../../../platform/artifacts/filesystemArtifactStore';
import { migrationsApplyCriterion } from '../../../toolchain/database/criteria';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';

/*
 * The next version of a service's database: the scripts the previous version applied stay as they are, one more
 * moves the schema, and the rows written before are still there afterwards. Each migration is applied on PGlite
 * over the previous version's rows (its seed), then checked with SQL that raises when a row is missing or wrong.
 */

const lendingOf = (model: DomainModel) => model.contexts.find((c) => c.slug === 'lending')!;
const entityOf = (model: DomainModel, name: string): Entity =>
  model.contexts.flatMap((c) => c.entities).find((e) => e.name === name)!;
const version1 = {
  model: toolLibraryModel,
  files: generateMigrations(toolLibraryModel, lendingOf(toolLibraryModel)).files,
};

/** The tool library with the changes of one change request applied to a copy. */
function changed(edit: (model: DomainModel) => void): DomainModel {
  const model = structuredClone(toolLibraryModel);
  edit(model);
  return model;
}

/**
 * Version 1's scripts, its seed rows (as rows written before), then version 2's script and a check: the order a
 * running product's database sees them in.
 */
async function overVersion1Rows(next: { files: Array<{ path: string; content: string }> }, check: string) {
  const added = next.files.filter(
    (f) => /^\d{3}_/.test(f.path) && !version1.files.some((old) => old.path === f.path),
  );
  expect(added).toHaveLength(1);
  const oldScripts = version1.files.filter((f) => /^\d{3}_/.test(f.path));
  const result = await applyMigrations([
    ...oldScripts,
    // Sorts after version 1's last script and before version 2's.
    {
      path: '003_zz_rows_written_before.sql',
      content: version1.files.find((f) => f.path === 'seed.sql')!.content,
    },
    ...added,
    { path: '999_check.sql', content: check },
  ]);
  return result;
}

const toolId = seedId('Tool', 0);

/** Raises unless `condition` holds: an assertion PostgreSQL makes inside the migrated database. */
const expectSql = (condition: string, message: string) =>
  `DO $$ BEGIN IF NOT (${condition}) THEN RAISE EXCEPTION '${message}'; END IF; END $$;`;

describe('the next version of a service database', () => {
  it('adds an entity, attributes and enum values, keeping every row written before', async () => {
    const version2 = changed((model) => {
      const tool = entityOf(model, 'Tool');
      tool.attributes.push(
        { name: 'serialNumber', type: 'string', required: false, description: 'Maker serial', unique: true },
        { name: 'purchasedOn', type: 'date', required: true, description: 'Day it was bought' },
      );
      tool.attributes.find((a) => a.name === 'category')!.enumValues!.push('workshop');
      tool.attributes.find((a) => a.name === 'name')!.maxLength = 120;
      entityOf(model, 'Loan').attributes.find((a) => a.name === 'deposit')!.required = true;
      lendingOf(model).entities.push({
        name: 'WaitlistEntry',
        plural: 'WaitlistEntries',
        slug: 'waitlist-entry',
        description: 'A member waiting for a tool on loan',
        aggregateRoot: true,
        attributes: [
          { name: 'toolId', type: 'string', required: true, description: 'The tool waited for' },
          { name: 'memberId', type: 'string', required: true, description: 'Who waits' },
          {
            name: 'position',
            type: 'integer',
            required: true,
            description: 'Place in the queue',
            minimum: 1,
          },
        ],
        relations: [
          { kind: 'belongsTo', target: 'Tool', via: 'toolId' },
          { kind: 'belongsTo', target: 'Member', via: 'memberId' },
        ],
        invariants: [],
      });
    });
    const next = evolveMigrations(version1, version2, lendingOf(version2), {
      label: 'version_2',
      backfill: { 'Tool.purchasedOn': '2025-01-01', 'Loan.deposit': '0' },
    });
    expect(next.refusals).toEqual([]);
    // The applied scripts are kept byte for byte; one script is added after them.
    expect(next.files.map((f) => f.path)).toEqual([
      '001_create_tools.sql',
      '002_create_loans.sql',
      '003_create_outbox.sql',
      '004_version_2.sql',
      'seed.sql',
      'README.md',
    ]);
    for (const old of version1.files.filter((f) => /^\d{3}_/.test(f.path)))
      expect(next.files.find((f) => f.path === old.path)!.content).toBe(old.content);
    expect(next.changes).toEqual([
      'adds the table waitlist_entries (WaitlistEntry)',
      'widens tools.name from varchar(80) to varchar(120)',
      'admits the values workshop to tools.category',
      'adds the optional column tools.serial_number',
      'adds the required column tools.purchased_on, 2025-01-01 in rows written before',
      'makes loans.deposit required, 0 where rows had none',
    ]);
    const readme = next.files.find((f) => f.path === 'README.md')!.content;
    expect(readme).toContain('## Changes in version_2');
    expect(readme).toContain('- `004_version_2.sql`');

    const result = await overVersion1Rows(
      next,
      [
        expectSql('(SELECT count(*) FROM tools) = 3 AND (SELECT count(*) FROM loans) = 3', 'rows lost'),
        expectSql(
          `(SELECT name FROM tools WHERE id = '${toolId}') = 'Ada Lovelace'`,
          'a value written before changed',
        ),
        expectSql(
          `(SELECT count(*) FROM tools WHERE purchased_on = '2025-01-01' AND serial_number IS NULL) = 3`,
          'rows written before were not given the value',
        ),
        expectSql(`(SELECT count(*) FROM loans WHERE deposit IS NULL) = 0`, 'a deposit is still missing'),
        // What version 2 writes: a tool of the new category with a serial number, a member on its waitlist.
        `INSERT INTO tools (name, category, replacement_value, purchased_on, serial_number, created_by) VALUES ('Bandsaw', 'workshop', 300, '2026-05-01', 'SN-1', 'ada');`,
        `INSERT INTO waitlist_entries (tool_id, member_id, position, created_by) VALUES ('${toolId}', '${seedId('Member', 0)}', 1, 'ada');`,
        // What version 1 still writes after a rollback, as its repository writes it (a field without a value is
        // DEFAULT): a tool without the column it does not know, a loan without a deposit. Their rows get the values
        // the change gave.
        `INSERT INTO tools (name, category, replacement_value, fragile, notes, created_by) VALUES ('Rake', 'garden', 10, DEFAULT, DEFAULT, 'bob');`,
        `INSERT INTO loans (tool_id, member_id, due_on, returned_at, deposit, created_by) VALUES ('${toolId}', '${seedId('Member', 0)}', '2026-06-01', DEFAULT, DEFAULT, 'bob');`,
        expectSql(
          `(SELECT purchased_on FROM tools WHERE name = 'Rake') = '2025-01-01' AND (SELECT deposit FROM loans WHERE created_by = 'bob') = 0`,
          'a row written by version 1 after a rollback has no value',
        ),
      ].join('\n'),
    );
    expect(result.errors).toEqual([]);
    expect(result.rowCounts).toMatchObject({ tools: 5, loans: 4, waitlist_entries: 1 });

    // A database that starts at version 2 (a new environment) applies every script and the new seed.
    const fresh = await applyMigrations(next.files);
    expect(fresh.errors).toEqual([]);
    expect(fresh.rowCounts).toMatchObject({ tools: 3, loans: 3, waitlist_entries: 3 });
  });

  it('enforces what the new version adds on rows it writes', async () => {
    const version2 = changed((model) => {
      entityOf(model, 'Tool').attributes.push({
        name: 'weightKg',
        type: 'number',
        required: false,
        description: 'Weight',
        minimum: 0,
      });
    });
    const next = evolveMigrations(version1, version2, lendingOf(version2), { label: 'weights' });
    expect(next.refusals).toEqual([]);
    const result = await overVersion1Rows(
      next,
      `INSERT INTO tools (name, category, replacement_value, weight_kg, created_by) VALUES ('Anvil', 'hand_tool', 80, -2, 'ada');`,
    );
    expect(result.errors).toEqual([
      expect.objectContaining({ file: '999_check.sql', code: '23514' }), // check_violation
    ]);
  });

  it('refuses what would lose data or leave rows without a value, and says why', () => {
    const version2 = changed((model) => {
      const tool = entityOf(model, 'Tool');
      tool.attributes = tool.attributes.filter((a) => a.name !== 'notes');
      tool.attributes.find((a) => a.name === 'category')!.enumValues = ['power_tool', 'hand_tool', 'garden'];
      tool.attributes.push({ name: 'barcode', type: 'string', required: true, description: 'Label' });
      tool.attributes.find((a) => a.name === 'fragile')!.required = true;
      tool.attributes.find((a) => a.name === 'replacementValue')!.type = 'integer';
    });
    const next = evolveMigrations(version1, version2, lendingOf(version2), {
      label: 'version_2',
      backfill: { 'Tool.fragile': 'maybe' },
    });
    expect(next.refusals).toEqual([
      'drops the values ladder on tools.category: rows written before may break the new rule; the change must say that this data may be lost (allowDataLoss: true)',
      'converts tools.replacement_value from numeric(12,2) to integer, which not every value survives; the change must say that this data may be lost (allowDataLoss: true)',
      'the value given for Tool.fragile for rows written before: "maybe" is not true or false',
      'adds the required column tools.barcode (Tool.barcode): rows written before have no value for it; give one for them (backfill: Tool.barcode: <value>), or make it optional',
      'drops the column tools.notes and the values in it (a renamed entity or attribute shows as one dropped and one added: the data is not carried across a rename); the change must say that this data may be lost (allowDataLoss: true)',
    ]);
    // Nothing is half-written: the folder holds version 1's scripts and no new one.
    expect(next.files.filter((f) => /^\d{3}_/.test(f.path)).map((f) => f.path)).toEqual([
      '001_create_tools.sql',
      '002_create_loans.sql',
      '003_create_outbox.sql',
    ]);
  });

  it('drops and narrows when the change allows losing data, keeping the rows the new rules no longer admit readable', async () => {
    const version2 = changed((model) => {
      const lending = lendingOf(model);
      const tool = entityOf(model, 'Tool');
      tool.attributes = tool.attributes.filter((a) => a.name !== 'notes');
      // Seed row 3 of tools is a garden tool: it stays, and a new one is refused.
      tool.attributes.find((a) => a.name === 'category')!.enumValues = ['power_tool', 'hand_tool', 'ladder'];
      tool.relations = [];
      lending.entities = lending.entities.filter((e) => e.name !== 'Loan');
      lending.commands = lending.commands.filter((c) => c.entity !== 'Loan');
      lending.events = lending.events.filter((e) => e.entity !== 'Loan');
    });
    const refused = evolveMigrations(version1, version2, lendingOf(version2), { label: 'version_2' });
    expect(refused.refusals).toEqual([
      'drops the values garden on tools.category: rows written before may break the new rule; the change must say that this data may be lost (allowDataLoss: true)',
      'drops the column tools.notes and the values in it (a renamed entity or attribute shows as one dropped and one added: the data is not carried across a rename); the change must say that this data may be lost (allowDataLoss: true)',
      'drops the table loans and every row in it (a renamed entity or attribute shows as one dropped and one added: the data is not carried across a rename); the change must say that this data may be lost (allowDataLoss: true)',
    ]);
    const next = evolveMigrations(version1, version2, lendingOf(version2), {
      label: 'version_2',
      allowDataLoss: true,
    });
    expect(next.refusals).toEqual([]);
    expect(next.changes.every((line) => line.endsWith('(the change allows losing data)'))).toBe(true);
    const script = next.files.find((f) => f.path === '004_version_2.sql')!.content;
    expect(script).toContain('NOT VALID');
    expect(script).toContain('DROP TABLE loans;');
    const result = await overVersion1Rows(
      next,
      [
        expectSql(`(SELECT count(*) FROM tools WHERE category = 'garden') = 1`, 'the garden tool was lost'),
        expectSql(
          `NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 'tools' AND column_name = 'notes')`,
          'notes is still there',
        ),
        `INSERT INTO tools (name, category, replacement_value, created_by) VALUES ('Hoe', 'garden', 40, 'ada');`,
      ].join('\n'),
    );
    expect(result.errors).toEqual([expect.objectContaining({ file: '999_check.sql', code: '23514' })]);
  });

  it('makes columns optional, unique or not, and follows a lifecycle that gains a state', async () => {
    const version2 = changed((model) => {
      const member = entityOf(model, 'Tool');
      member.attributes.find((a) => a.name === 'name')!.unique = true;
      member.attributes.find((a) => a.name === 'replacementValue')!.required = false;
      member.states = [...member.states!, 'in_repair'];
    });
    const next = evolveMigrations(version1, version2, lendingOf(version2), { label: 'version_2' });
    expect(next.refusals).toEqual([]);
    expect(next.changes).toEqual([
      'makes tools.name unique (refused by the database if rows written before share a value)',
      'makes tools.replacement_value optional',
      'adds the states in_repair to tools.status',
    ]);
    const result = await overVersion1Rows(
      next,
      [
        `INSERT INTO tools (name, category, status, created_by) VALUES ('Lathe', 'power_tool', 'in_repair', 'ada');`,
        expectSql(`(SELECT count(*) FROM tools) = 4`, 'rows lost'),
      ].join('\n'),
    );
    expect(result.errors).toEqual([]);

    // And back: the name no longer unique, its constraint is found by its column and dropped.
    const version3 = changed(() => undefined);
    const back = evolveMigrations({ model: version2, files: next.files }, version3, lendingOf(version3), {
      label: 'version_3',
      allowDataLoss: true,
      backfill: { 'Tool.replacementValue': '0' },
    });
    expect(back.refusals).toEqual([]);
    expect(back.changes).toContain('lets rows share a value of tools.name');
    const all = await applyMigrations([
      ...back.files.filter((f) => /^\d{3}_/.test(f.path)),
      {
        path: '999_check.sql',
        content: `INSERT INTO tools (name, category, replacement_value, created_by) VALUES ('Saw', 'hand_tool', 5, 'a'), ('Saw', 'hand_tool', 6, 'b');`,
      },
    ]);
    expect(all.errors).toEqual([]);
    expect(all.applied).toContain('005_version_3.sql');
  });

  it('drops a UNIQUE constraint that PostgreSQL named when it created the table', async () => {
    const membershipOf = (model: DomainModel) => model.contexts.find((c) => c.slug === 'membership')!;
    const before = generateMigrations(toolLibraryModel, membershipOf(toolLibraryModel)).files;
    expect(before[0].content).toContain('email text NOT NULL UNIQUE');
    const version2 = changed((model) => {
      entityOf(model, 'Member').attributes.find((a) => a.name === 'email')!.unique = false;
    });
    const next = evolveMigrations(
      { model: toolLibraryModel, files: before },
      version2,
      membershipOf(version2),
      {
        label: 'shared_addresses',
      },
    );
    expect(next.changes).toEqual(['lets rows share a value of members.email']);
    const email = "'ada.lovelace0@example.org'";
    const result = await applyMigrations([
      ...next.files.filter((f) => /^\d{3}_/.test(f.path)),
      {
        path: '999_check.sql',
        content: `INSERT INTO members (full_name, email, joined_on, borrowing_limit, created_by) VALUES ('A', ${email}, '2026-01-01', 3, 'a'), ('B', ${email}, '2026-01-01', 3, 'b');`,
      },
    ]);
    expect(result.errors).toEqual([]);
  });

  it('converts a column whose old rules read its old type, keeping its values', async () => {
    const membershipOf = (model: DomainModel) => model.contexts.find((c) => c.slug === 'membership')!;
    const before = generateMigrations(toolLibraryModel, membershipOf(toolLibraryModel)).files;
    const version2 = changed((model) => {
      entityOf(model, 'Member').attributes.find((a) => a.name === 'borrowingLimit')!.type = 'string';
    });
    const next = evolveMigrations(
      { model: toolLibraryModel, files: before },
      version2,
      membershipOf(version2),
      {
        label: 'limits_as_text',
        allowDataLoss: true,
      },
    );
    expect(next.refusals).toEqual([]);
    const result = await applyMigrations([
      ...before.filter((f) => /^\d{3}_/.test(f.path)),
      { path: '002_zz_rows.sql', content: before.find((f) => f.path === 'seed.sql')!.content },
      ...next.files.filter((f) => f.path.includes('limits_as_text')),
      {
        path: '999_check.sql',
        content: expectSql(
          `(SELECT string_agg(borrowing_limit, ',' ORDER BY borrowing_limit) FROM members) = '2,3,4'`,
          'the limits were not kept as text',
        ),
      },
    ]);
    expect(result.errors).toEqual([]);
  });

  it('keeps rows a narrowed rule let stay when a later version widens the rule again', async () => {
    const narrowed = changed((model) => {
      entityOf(model, 'Tool').attributes.find((a) => a.name === 'category')!.enumValues = [
        'power_tool',
        'hand_tool',
        'ladder',
      ];
    });
    const version2 = evolveMigrations(version1, narrowed, lendingOf(narrowed), {
      label: 'version_2',
      allowDataLoss: true,
    });
    const widened = changed((model) => {
      entityOf(model, 'Tool').attributes.find((a) => a.name === 'category')!.enumValues = [
        'power_tool',
        'hand_tool',
        'ladder',
        'workshop',
      ];
    });
    const version3 = evolveMigrations(
      { model: narrowed, files: version2.files },
      widened,
      lendingOf(widened),
      {
        label: 'version_3',
      },
    );
    expect(version3.changes).toEqual(['admits the values workshop to tools.category']);
    const result = await applyMigrations([
      ...version1.files.filter((f) => /^\d{3}_/.test(f.path)),
      { path: '003_zz_rows.sql', content: version1.files.find((f) => f.path === 'seed.sql')!.content },
      ...version3.files.filter((f) => /^00[45]_/.test(f.path)),
      {
        path: '999_check.sql',
        content: expectSql(
          `(SELECT count(*) FROM tools WHERE category = 'garden') = 1`,
          'the garden tool was lost',
        ),
      },
    ]);
    expect(result.errors).toEqual([]);
    expect(result.applied).toEqual(expect.arrayContaining(['004_version_2.sql', '005_version_3.sql']));
  });

  it('refuses to fill a unique column that becomes required with one value', () => {
    const optionalUnique = changed((model) => {
      entityOf(model, 'Tool').attributes.find((a) => a.name === 'notes')!.unique = true;
    });
    const required = structuredClone(optionalUnique);
    entityOf(required, 'Tool').attributes.find((a) => a.name === 'notes')!.required = true;
    const next = evolveMigrations(
      { model: optionalUnique, files: generateMigrations(optionalUnique, lendingOf(optionalUnique)).files },
      required,
      lendingOf(required),
      { label: 'version_2', backfill: { 'Tool.notes': 'none' } },
    );
    expect(next.refusals).toEqual([
      'makes the unique column tools.notes (Tool.notes) required: one value cannot fill every row written before without one',
    ]);
  });

  it('keeps the folder as it was when the schema does not change, and a whole database for a new context', () => {
    const same = evolveMigrations(version1, toolLibraryModel, lendingOf(toolLibraryModel), {
      label: 'version_2',
    });
    expect(same.changes).toEqual([]);
    // The folder stays as it was, byte for byte: its README and seed too.
    expect(same.files).toEqual(version1.files);

    const version2 = changed((model) => {
      model.contexts.push({
        ...structuredClone(lendingOf(model)),
        name: 'Repairs',
        slug: 'repairs',
        dependsOn: [],
        entities: [
          {
            ...structuredClone(entityOf(model, 'Tool')),
            name: 'Repair',
            plural: 'Repairs',
            slug: 'repair',
            relations: [],
          },
        ],
        commands: [],
        events: [],
      });
    });
    const repairs = version2.contexts.find((c) => c.slug === 'repairs')!;
    const created = evolveMigrations(version1, version2, repairs, { label: 'version_2' });
    expect(created.changes).toEqual(['adds the database of Repairs']);
    expect(created.files.map((f) => f.path)).toEqual(
      generateMigrations(version2, repairs).files.map((f) => f.path),
    );
  });

  it('fails the gate, before any deployment, when the move fails only on the rows written before', async () => {
    // Allowed by the request, but not one tool name written before is a number.
    const version2 = changed((model) => {
      const tool = entityOf(model, 'Tool');
      tool.attributes[0] = { ...tool.attributes[0], type: 'integer' };
    });
    const next = evolveMigrations(version1, version2, lendingOf(version2), {
      label: 'version_2',
      allowDataLoss: true,
    });
    expect(next.refusals).toEqual([]);
    const root = mkdtempSync(join(tmpdir(), 'migration-gate-'));
    try {
      const context = (inputs: ArtifactRef[]) =>
        createAgentContext({
          store: new FilesystemArtifactStore(root),
          runId: 'run-1',
          tenantId: 'test',
          iteration: 1,
          attempt: 1,
          phase: 'architecture-to-development',
          agent: 'test',
          inputs,
        });
      const folder = await context([]).writeFolder({
        folder: 'db/lending',
        kind: 'migration',
        files: next.files,
      });
      const released = { migrations: () => Promise.resolve(version1.files) };
      // On an empty database every script applies; over the rows of version 1 the conversion fails.
      expect((await migrationsApplyCriterion(context([folder]))).passed).toBe(true);
      const criterion = await migrationsApplyCriterion(context([folder]), released);
      expect([criterion.passed, criterion.final]).toEqual([false, true]);
      expect(criterion.findings).toEqual([
        expect.stringMatching(
          /^db\/lending\/004_version_2\.sql( line \d+)?: invalid input syntax for type integer: "Ada Lovelace" \(SQLSTATE 22P02\), applied over the rows of the release before \(its seed data\)/,
        ),
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a label that is not a file name part', () => {
    expect(() =>
      evolveMigrations(version1, toolLibraryModel, lendingOf(toolLibraryModel), { label: '../x' }),
    ).toThrow(/lower-case letters, digits and underscores/);
  });
});
