import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { generateMigrations } from '../../agents/blueprint/database/postgresMigrations';
import { analyseVision } from '../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../agents/blueprint/vision/domainDerivation';
import { applyPendingMigrations } from '../../platform/deployment/migrations';
import { LocalProductDatabases } from '../../platform/deployment/productDatabases';
import { compileForDeployment } from '../../toolchain/backend/compileForDeployment';
import { generateService } from '../../toolchain/backend/generateService';

/**
 * The generated services' own tests (domain, use cases, HTTP API and the rule acceptance tests), run against the
 * service on PostgreSQL instead of the in-memory test double: each service on a fresh database with its generated
 * migrations applied, for every context of every example vision on the embedded engine, and for the services with
 * rules also on a PostgreSQL server when TEST_POSTGRES_URL names one (as its rows-only role). Foreign keys, types
 * and transactions must not change what the tests see, and the vision's rules must hold the same.
 */
const visions = join(__dirname, '..', '..', 'examples', 'visions');

/** The services whose acceptance tests prove the vision's rules, with how many rules they prove. */
const ruleCounts: Record<string, number> = {
  'rules/meeting-rooms.md bookings': 5,
  'rules/study-rooms.md reservations': 5,
  'rules/study-rooms.md student-directory': 1,
  'food-bank-donations.md distributions': 2,
  'community-garden-plots.md plots': 1,
  'rules/kayak-rental.md kayaks': 6,
  'rules/seed-library.md seed-orders': 3,
  'rules/tool-ring.md loans': 1,
  'clinic-appointments.md appointments': 3,
  'neighbourhood-tool-library.md tools': 4,
  'rules/expense-desk.md expense-reports': 5,
  'rules/volunteer-shifts.md shifts': 4,
  'rules/volunteer-shifts.md volunteer-directory': 1,
  'rules/peer-review.md submissions': 4,
};

const files = [
  ...readdirSync(visions).filter((f) => f.endsWith('.md')),
  ...readdirSync(join(visions, 'rules')).map((f) => `rules/${f}`),
];
const services = files.flatMap((file) => {
  const model = deriveDomainModel(analyseVision(readFileSync(join(visions, file), 'utf8')));
  return model.contexts.map((context) => ({ file, slug: context.slug, model, context }));
});

function nodeTest(cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    // One test file at a time: they share the database, as the services' callers do.
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', 'test/'], {
      cwd,
      env: { PATH: process.env.PATH, ...env },
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

const base = mkdtempSync(join(tmpdir(), 'services-postgres-'));
const engines: Array<[string, string | undefined]> = [
  ['embedded PostgreSQL', undefined],
  ...(process.env.TEST_POSTGRES_URL
    ? [['a PostgreSQL server', process.env.TEST_POSTGRES_URL] as [string, string]]
    : []),
];
const created: Array<{ serverUrl: string; database: string }> = [];

afterAll(async () => {
  await new LocalProductDatabases().stopAll(base);
  for (const { serverUrl, database } of created) {
    const admin = new Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS ${database}`);
    await admin.end();
  }
  rmSync(base, { recursive: true, force: true });
});

describe.each(engines)('generated services pass their tests on %s', (engine, serverUrl) => {
  const databases = new LocalProductDatabases({
    serverUrl,
    templates: process.env.FACTORY_DATABASE_TEMPLATES,
  });
  const owner = `services/${Date.now().toString(36)}`;
  const cases = services.filter((s) => !serverUrl || `${s.file} ${s.slug}` in ruleCounts);

  it.each(cases.map((s) => [s.file, s.slug, s] as const))(
    '%s, %s service',
    async (file, slug, s) => {
      const built = compileForDeployment(
        generateService(s.model, s.context).files.map((f) => ({
          path: f.path,
          content: Buffer.from(f.content),
        })),
      );
      expect(built.problems).toEqual([]);
      const folder = `${serverUrl ? 's' : 'e'}-${file.replace(/\W/g, '-')}-${slug}`;
      const database = await databases.ensure(base, folder, owner);
      if (serverUrl) {
        const record = JSON.parse(readFileSync(join(base, 'databases', `${folder}.json`), 'utf8'));
        created.push({ serverUrl, database: record.database });
      }
      const migrations = generateMigrations(s.model, s.context)
        .files.filter((f) => /^\d{3}_.*\.sql$/.test(f.path))
        .map((f) => ({ name: f.path, sql: f.content }));
      await applyPendingMigrations({ connectionString: database.adminUrl }, migrations);
      await databases.grantRows(base, folder, database);
      // As a deployed service connects: the rows-only role on a server.
      const result = await nodeTest(built.outDir!, { TEST_DATABASE_URL: database.url });
      expect(result.output).toMatch(/# fail 0\b/);
      expect(result.status).toBe(0);
      const rules = ruleCounts[`${file} ${slug}`] ?? 0;
      expect(result.output.match(/^\s+ok \d+ - [a-z0-9-]+-rule-\d+: /gm) ?? []).toHaveLength(rules);
    },
    120_000,
  );
});
