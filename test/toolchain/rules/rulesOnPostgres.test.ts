import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { generateMigrations } from '../../../agents/blueprint/database/postgresMigrations';
import { analyseVision } from '../../../agents/blueprint/vision/analyse';
import { deriveDomainModel } from '../../../agents/blueprint/vision/domainDerivation';
import { applyPendingMigrations } from '../../../platform/deployment/migrations';
import { LocalProductDatabases } from '../../../platform/deployment/productDatabases';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { generateService } from '../../../toolchain/backend/generateService';

/**
 * The rule acceptance tests of generated services, run against the service on PostgreSQL instead of the
 * in-memory test double: each service on a fresh database with its generated migrations applied, on the
 * embedded engine and, when TEST_POSTGRES_URL names one, on a PostgreSQL server. The rules must hold the same.
 */
const visions = join(__dirname, '..', '..', '..', 'examples', 'visions');

const services: Array<[string, string, number]> = [
  ['rules/meeting-rooms.md', 'bookings', 5],
  ['rules/study-rooms.md', 'reservations', 5],
  ['rules/kayak-rental.md', 'kayaks', 6],
  ['rules/seed-library.md', 'seed-orders', 3],
  ['rules/tool-ring.md', 'loans', 1],
  ['clinic-appointments.md', 'appointments', 3],
];

function nodeTest(cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', 'test/rules.acceptance.test.js'], {
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

const base = mkdtempSync(join(tmpdir(), 'rules-postgres-'));
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

describe.each(engines)("the vision's rules hold on %s", (engine, serverUrl) => {
  const databases = new LocalProductDatabases({ serverUrl });
  const owner = `rules/${Date.now().toString(36)}`;

  it.each(services)(
    '%s (%s service): every acceptance test passes',
    async (vision, slug, rules) => {
      const model = deriveDomainModel(analyseVision(readFileSync(join(visions, vision), 'utf8')));
      const context = model.contexts.find((c) => c.slug === slug)!;
      const files = generateService(model, context).files.map((f) => ({
        path: f.path,
        content: Buffer.from(f.content),
      }));
      const built = compileForDeployment(files);
      expect(built.problems).toEqual([]);
      const folder = `${engine === 'embedded PostgreSQL' ? 'e' : 's'}-${slug}`;
      const database = await databases.ensure(base, folder, owner);
      if (serverUrl) {
        const record = JSON.parse(readFileSync(join(base, 'databases', `${folder}.json`), 'utf8'));
        created.push({ serverUrl, database: record.database });
      }
      const migrations = generateMigrations(model, context)
        .files.filter((f) => /^\d{3}_.*\.sql$/.test(f.path))
        .map((f) => ({ name: f.path, sql: f.content }));
      await applyPendingMigrations(database.adminUrl, migrations);
      await databases.grantRows(base, folder, database);
      // As a deployed service: the rows-only role on a server.
      const result = await nodeTest(built.outDir!, { TEST_DATABASE_URL: database.url });
      expect(result.output).toMatch(new RegExp(`# pass ${rules}\\b`));
      expect(result.output).toMatch(/# fail 0\b/);
      expect(result.status).toBe(0);
    },
    120_000,
  );
});
