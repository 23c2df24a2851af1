import { applyMigrations } from '../../../toolchain/database/applyMigrations';
import { generateMigrations, seedId } from '../../../agents/blueprint/database/postgresMigrations';
import { plantNurseryModel } from './fixtures/plantNursery';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';

const lending = toolLibraryModel.contexts.find((c) => c.slug === 'lending')!;

describe('PostgreSQL migrations', () => {
  it.each([
    ['tool library', toolLibraryModel],
    ['plant nursery', plantNurseryModel],
  ] as const)('apply on PGlite with their seed for every context of the %s', async (_, model) => {
    for (const context of model.contexts) {
      const folder = generateMigrations(model, context);
      const result = await applyMigrations(folder.files);
      expect(result.errors).toEqual([]);
      expect(result.applied).toEqual([
        ...folder.files.filter((f) => /^\d{3}_/.test(f.path)).map((f) => f.path),
        'seed.sql',
      ]);
      for (const table of folder.tables) expect(result.rowCounts[table]).toBe(3);
    }
  });

  it('types columns from attributes and enforces the model with constraints', () => {
    const files = generateMigrations(toolLibraryModel, lending).files;
    expect(files.map((f) => f.path)).toEqual([
      '001_create_tools.sql',
      '002_create_loans.sql',
      '003_create_outbox.sql',
      'seed.sql',
      'README.md',
    ]);
    const tools = files[0].content;
    expect(tools).toContain('replacement_value numeric(12,2) NOT NULL');
    expect(tools).toContain("CHECK (category IN ('power_tool', 'hand_tool', 'garden', 'ladder'))");
    expect(tools).toContain('CHECK (replacement_value >= 0)');
    expect(tools).toContain("status text NOT NULL DEFAULT 'available'");
    expect(tools).toContain('CREATE INDEX tools_status_idx ON tools (status);');
    const loans = files[1].content;
    expect(loans).toContain('id uuid PRIMARY KEY DEFAULT gen_random_uuid()');
    expect(loans).toContain('due_on date NOT NULL');
    expect(loans).toContain('returned_at timestamptz,');
    expect(loans).toContain('FOREIGN KEY (tool_id) REFERENCES tools (id)');
    expect(loans).toContain('CREATE INDEX loans_member_id_idx ON loans (member_id);');
    // Members live in the Membership service: a plain uuid column, documented, no foreign key.
    expect(loans).not.toContain('REFERENCES members');
    expect(files[4].content).toContain('`loans.member_id` → Member (Membership)');
    expect(files[3].content).toContain(seedId('Member', 0));
    // The transactional outbox the service writes its domain events to.
    expect(files[2].content).toContain('CREATE TABLE outbox (');
  });

  it('adds the foreign key column of a belongsTo that is not an attribute and orders parents first', () => {
    const ordering = plantNurseryModel.contexts.find((c) => c.slug === 'ordering')!;
    const files = generateMigrations(plantNurseryModel, ordering).files;
    expect(files[0].path).toBe('001_create_customer_orders.sql');
    expect(files[1].content).toContain('order_id uuid NOT NULL');
    expect(files[1].content).toContain('FOREIGN KEY (order_id) REFERENCES customer_orders (id)');
  });

  it('the constraints reject rows the model forbids', async () => {
    const folder = generateMigrations(toolLibraryModel, lending);
    const bad = {
      path: '003_bad_row.sql',
      content:
        "INSERT INTO tools (name, category, replacement_value, created_by) VALUES ('Saw', 'kitchen', 10, 'someone');\n",
    };
    const result = await applyMigrations([...folder.files, bad]);
    expect(result.errors).toEqual([expect.objectContaining({ file: '003_bad_row.sql', code: '23514' })]);
    expect(result.errors[0].message).toContain('tools_category_check');
    // Every row says who created it.
    const anonymous = {
      path: '003_anonymous_row.sql',
      content: "INSERT INTO tools (name, category, replacement_value) VALUES ('Saw', 'garden', 10);\n",
    };
    const unowned = await applyMigrations([...folder.files, anonymous]);
    expect(unowned.errors).toEqual([expect.objectContaining({ code: '23502' })]);
    expect(unowned.errors[0].message).toContain('created_by');
  });

  it('names the broken migration file and stops there', async () => {
    const folder = generateMigrations(toolLibraryModel, lending);
    const broken = folder.files.map((f) =>
      f.path === '002_create_loans.sql'
        ? { ...f, content: f.content.replace('REFERENCES tools (id)', 'REFERENCES toolz (id)') }
        : f,
    );
    const result = await applyMigrations(broken);
    expect(result.applied).toEqual(['001_create_tools.sql']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ file: '002_create_loans.sql', code: '42P01' });
    expect(result.errors[0].message).toContain('toolz');
  });

  it('can defer every foreign key to a final migration', async () => {
    const folder = generateMigrations(toolLibraryModel, lending, { deferForeignKeys: true });
    expect(folder.files.map((f) => f.path)).toContain('003_add_foreign_keys.sql');
    expect(folder.files[1].content).not.toContain('FOREIGN KEY');
    expect((await applyMigrations(folder.files)).errors).toEqual([]);
  });
});
