import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { evolveMigrations, generateMigrations } from '../../../agents/blueprint/database/postgresMigrations';
import { compileForDeployment } from '../../../toolchain/backend/compileForDeployment';
import { generateService } from '../../../toolchain/backend/generateService';
import { serviceModel } from '../../../toolchain/backend/model';
import { validBody } from '../../../toolchain/backend/samples';
import { LocalBlueGreenTarget } from '../../../platform/deployment';
import { LocalProductDatabases } from '../../../platform/deployment/productDatabases';
import { writeTarGz } from '../../../platform/deployment/tarball';
import { localConfinement } from '../../../platform/sandbox';
import { namespaceSupport } from '../../../platform/sandbox/namespaceConfinement';
import { toolLibraryModel } from '../../support/fixtures/toolLibrary';
import { supervised } from '../../support/processTree';

/**
 * A generated service deployed locally keeps its data in PostgreSQL: the deployment migrates the service's
 * database from `db/<service>/`, the data written through the API survives a crash of the service and the
 * next version, and the database outlives both. On the embedded engine always; on a PostgreSQL server too
 * when TEST_POSTGRES_URL names one (CI starts Debian's), where the service's role is checked to be limited
 * to rows.
 */
const lending = toolLibraryModel.contexts.find((c) => c.slug === 'lending')!;
const service = serviceModel(lending, toolLibraryModel.product.slug);
const tool = service.entities.find((e) => e.name === 'Tool')!;
const loan = service.entities.find((e) => e.name === 'Loan')!;
const approve = loan.commands.find((c) => c.command.name === 'ApproveLoan')!;

/**
 * The next model: every tool gets a serial number (required, `unknown` in the rows written before), and a loan's
 * deposit becomes required (0 where rows had none).
 */
const nextModel = structuredClone(toolLibraryModel);
const nextLending = nextModel.contexts.find((c) => c.slug === 'lending')!;
nextLending.entities
  .find((e) => e.name === 'Tool')!
  .attributes.push({ name: 'serialNumber', type: 'string', required: true, description: 'Maker serial' });
nextLending.entities.find((e) => e.name === 'Loan')!.attributes.find((a) => a.name === 'deposit')!.required =
  true;

function release(version: string, model = toolLibraryModel): Buffer {
  const context = model.contexts.find((c) => c.slug === 'lending')!;
  const files = generateService(model, context, { version }).files;
  const migrations =
    model === toolLibraryModel
      ? generateMigrations(model, context).files
      : evolveMigrations(
          { model: toolLibraryModel, files: generateMigrations(toolLibraryModel, lending).files },
          model,
          context,
          {
            label: `release_${version.replace(/\./g, '_')}`,
            backfill: { 'Tool.serialNumber': 'unknown', 'Loan.deposit': '0' },
          },
        ).files;
  return writeTarGz([
    ...files.map((f) => ({ path: `services/lending/${f.path}`, content: Buffer.from(f.content) })),
    ...migrations.map((f) => ({ path: `db/lending/${f.path}`, content: Buffer.from(f.content) })),
  ]);
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** The bearer token of the deployment under test (its issuer signs it once the first version is deployed). */
let authorization = '';

const json = async (url: string, init?: RequestInit) => {
  const response = await fetch(url, {
    ...init,
    headers: { authorization, ...(init?.headers as Record<string, string> | undefined) },
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

const post = (url: string, body: unknown) =>
  json(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

const engines: Array<[string, string | undefined]> = [
  ['embedded PostgreSQL', undefined],
  ...(process.env.TEST_POSTGRES_URL
    ? [['a PostgreSQL server', process.env.TEST_POSTGRES_URL] as [string, string]]
    : []),
];

const confinement =
  namespaceSupport().available || process.env.CI
    ? () => localConfinement({ FACTORY_SANDBOX: 'namespaces' })
    : undefined;

describe.each(engines)('a deployed product keeps its data (%s)', (_name, serverUrl) => {
  const home = mkdtempSync(join(tmpdir(), 'factory-data-'));
  const databases = new LocalProductDatabases({
    serverUrl,
    templates: process.env.FACTORY_DATABASE_TEMPLATES,
  });
  const target = new LocalBlueGreenTarget({ home, build: compileForDeployment, confinement, databases });
  // A run of its own each time: a server keeps the databases of earlier test runs.
  const runId = `run-data-${Date.now().toString(36)}`;
  const base = join(home, 'deployments', 'test', runId);
  const request = (version: string) => ({
    tenantId: 'test',
    runId,
    version,
    archive: release(version),
    services: ['lending'],
    smoke: [{ service: 'lending', method: 'GET' as const, path: tool.collectionPath, expect: [200] }],
    healthTimeoutMs: 10_000,
  });
  let toolId = '';
  let created: Record<string, unknown> = {};

  afterAll(async () => {
    await target.undeploy('test', runId);
    const record = JSON.parse(readFileSync(join(base, 'databases', 'lending.json'), 'utf8')) as {
      database?: string;
    };
    if (serverUrl && record.database) {
      const admin = new Client({ connectionString: serverUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${record.database} WITH (FORCE)`);
      await admin.query(`DROP ROLE IF EXISTS ${record.database}`);
      await admin.end();
    }
    rmSync(home, { recursive: true, force: true });
  });

  it('migrates the database before the first version starts, and the API writes to it', async () => {
    const outcome = await target.deploy(request('1.0.0'));
    expect(outcome.status).toBe('deployed');
    authorization = `Bearer ${await target.accessToken('test', runId, { subject: 'tester', roles: [] })}`;
    const migrate = outcome.steps.find((s) => s.name === 'migrate lending')!;
    expect(migrate.ok).toBe(true);
    expect(migrate.detail).toMatch(/PostgreSQL: applied 001_create_\w+\.sql, .*_create_outbox\.sql$/);
    const url = outcome.services[0].url;
    const reply = await post(`${url}${tool.collectionPath}`, validBody(tool));
    expect(reply.status).toBe(201);
    created = reply.body;
    toolId = String(created.id);
    expect(await json(`${url}${tool.collectionPath}/${toolId}`)).toEqual({ status: 200, body: created });
    // Only with the deployment's token; its signing key is readable by the factory's user only.
    const anonymous = await fetch(`${url}${tool.collectionPath}/${toolId}`);
    expect([anonymous.status, anonymous.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    expect(statSync(join(base, 'issuer', 'signing-key.json')).mode & 0o077).toBe(0);
  }, 120_000);

  it("sends a command's domain event through the outbox once the change commits", async () => {
    const current = (await target.current('test', runId))!;
    const url = current.services[0].url;
    // The loan refers to the tool: the database keeps that reference with a foreign key.
    const dangling = await post(`${url}${loan.collectionPath}`, validBody(loan));
    expect(dangling.status).toBe(409);
    const created = await post(`${url}${loan.collectionPath}`, { ...validBody(loan), toolId });
    expect(created.status).toBe(201);
    const approved = await json(`${url}${approve.path.replace('{id}', String(created.body.id))}`, {
      method: 'POST',
    });
    expect(approved.body.status).toBe('approved');
    const log = join(base, '1.0.0', 'logs', 'lending.log');
    const line = await until(async () => {
      const found = readFileSync(log, 'utf8')
        .split('\n')
        .find((l) => l.startsWith('event ') && l.includes('"LoanApproved"'));
      return found;
    }, 'the relayed event');
    expect(JSON.parse(line.slice('event '.length))).toMatchObject({
      name: 'LoanApproved',
      entityId: created.body.id,
    });
  }, 60_000);

  it('still has the data after the service process is killed and restarted', async () => {
    const current = (await target.current('test', runId))!;
    const [record] = JSON.parse(readFileSync(join(base, '1.0.0', 'processes.json'), 'utf8')) as Array<{
      pid: number;
    }>;
    process.kill(Number(supervised(record.pid, 'src/main.js\0')), 'SIGKILL');
    const url = `${current.services[0].url}${tool.collectionPath}/${toolId}`;
    // The supervisor waits a second before the restart: first the URL stops answering, then it answers again.
    const read = await until(async () => {
      const reply = await json(url);
      return reply.status === 200 ? reply : undefined;
    }, 'the restarted service');
    expect(read.body).toEqual(created);
    expect(readFileSync(join(base, '1.0.0', 'logs', 'lending.log'), 'utf8')).toMatch(
      /the service exited \((SIGKILL|code 137)\)/,
    );
  }, 60_000);

  it('still has the data in the next version, which finds nothing new to migrate', async () => {
    const outcome = await target.deploy(request('1.1.0'));
    expect(outcome.status).toBe('deployed');
    expect(outcome.steps.find((s) => s.name === 'migrate lending')!.detail).toMatch(
      /PostgreSQL: nothing new, \d+ applied before$/,
    );
    const reply = await json(`${outcome.services[0].url}${tool.collectionPath}/${toolId}`);
    expect(reply).toEqual({ status: 200, body: created });
  }, 120_000);

  it('moves to the next model with its migration, and a rollback to the version before still reads and writes', async () => {
    const outcome = await target.deploy({ ...request('1.2.0'), archive: release('1.2.0', nextModel) });
    expect(outcome.status).toBe('deployed');
    expect(outcome.steps.find((s) => s.name === 'migrate lending')!.detail).toMatch(
      /PostgreSQL: applied \d{3}_release_1_2_0\.sql, \d+ applied before$/,
    );
    const url = outcome.services[0].url;
    // The row written before has the value the change gave those rows.
    expect(await json(`${url}${tool.collectionPath}/${toolId}`)).toEqual({
      status: 200,
      body: { ...created, serialNumber: 'unknown' },
    });
    const newer = await post(`${url}${tool.collectionPath}`, { ...validBody(tool), serialNumber: 'SN-7' });
    expect(newer.status).toBe(201);

    const back = await target.rollback('test', runId, 'trying the rollback');
    expect([back.status, back.rollback?.restored]).toEqual(['rolled-back', '1.1.0']);
    const before = (await target.current('test', runId))!.services[0].url;
    // The version before reads what it wrote and what the next version wrote, and still writes.
    expect(await json(`${before}${tool.collectionPath}/${toolId}`)).toEqual({ status: 200, body: created });
    const read = await json(`${before}${tool.collectionPath}/${String(newer.body.id)}`);
    expect(read.status).toBe(200);
    expect(read.body).not.toHaveProperty('serialNumber');
    const written = await post(`${before}${tool.collectionPath}`, validBody(tool));
    expect(written.status).toBe(201);
    // A loan without the deposit the next version requires: the row gets the value the change gave.
    const lent = await post(`${before}${loan.collectionPath}`, { ...validBody(loan, 1, true), toolId });
    expect([lent.status, lent.body.deposit]).toEqual([201, undefined]);
    const stored = await json(`${before}${loan.collectionPath}/${String(lent.body.id)}`);
    expect(stored.body.deposit).toBe('0.00');
  }, 180_000);

  const embedded = serverUrl ? it.skip : it;
  const onServer = serverUrl ? it : it.skip;

  embedded(
    'survives a crash of the embedded database itself',
    async () => {
      const record = JSON.parse(readFileSync(join(base, 'databases', 'lending.json'), 'utf8')) as {
        process: { pid: number };
      };
      process.kill(Number(supervised(record.process.pid, 'embeddedPostgres.js')), 'SIGKILL');
      const current = (await target.current('test', runId))!;
      const read = await until(async () => {
        const reply = await json(`${current.services[0].url}${tool.collectionPath}/${toolId}`);
        return reply.status === 200 ? reply : undefined;
      }, 'the database to come back');
      expect(read.body).toEqual(created);
    },
    60_000,
  );

  onServer(
    'gives the service a role that may change rows but not the schema',
    async () => {
      const db = await databases.ensure(base, 'lending', `test/${runId}`);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        expect((await client.query('SELECT count(*)::int AS n FROM tools')).rows[0].n).toBe(3);
        await expect(client.query('DROP TABLE outbox')).rejects.toThrow(/must be owner|permission denied/);
        await expect(client.query('CREATE TABLE extra (id int)')).rejects.toThrow(/permission denied/);
        await expect(client.query('SELECT * FROM schema_migrations')).rejects.toThrow(/permission denied/);
      } finally {
        await client.end();
      }
    },
    30_000,
  );

  embedded(
    'stops a database left running without a record before another starts on its folder',
    async () => {
      const recordFile = join(base, 'databases', 'lending.json');
      const before = (JSON.parse(readFileSync(recordFile, 'utf8')) as { process: { pid: number } }).process
        .pid;
      // As a factory killed between starting the database and recording it leaves things.
      rmSync(recordFile);
      const database = await databases.ensure(base, 'lending', `test/${runId}`);
      const after = (JSON.parse(readFileSync(recordFile, 'utf8')) as { process: { pid: number } }).process
        .pid;
      expect(after).not.toBe(before);
      expect(() => process.kill(before, 0)).toThrow();
      const client = new Client({ connectionString: database.url });
      await client.connect();
      try {
        // The first test's tool, and the two written across the rollback.
        expect((await client.query('SELECT count(*)::int AS n FROM tools')).rows[0].n).toBe(3);
      } finally {
        await client.end();
      }
    },
    60_000,
  );

  embedded(
    'stops the embedded database with the product and keeps its files',
    async () => {
      await target.undeploy('test', runId);
      const record = JSON.parse(readFileSync(join(base, 'databases', 'lending.json'), 'utf8')) as {
        process: { pid: number };
      };
      expect(() => process.kill(record.process.pid, 0)).toThrow();
      expect(readFileSync(join(base, 'databases', 'lending', 'data', 'PG_VERSION'), 'utf8').trim()).toMatch(
        /^\d+/,
      );
    },
    30_000,
  );
});
