import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { LocalProductDatabases } from '../../../platform/deployment/productDatabases';

/**
 * New embedded databases start as copies of one initialised cluster: made once, by whichever database comes first,
 * even when several start at the same moment; each copy is a database of its own.
 */
describe('embedded databases start from a template cluster', () => {
  const folder = mkdtempSync(join(tmpdir(), 'factory-templates-'));
  const templates = join(folder, 'templates');
  const base = join(folder, 'deployment');
  const databases = new LocalProductDatabases({ templates });

  afterAll(async () => {
    await databases.stopAll(base);
    rmSync(folder, { recursive: true, force: true });
  });

  it('makes the template once for three databases started together, and keeps their data apart', async () => {
    const started = await Promise.all(
      ['orders', 'stock', 'people'].map((service) => databases.ensure(base, service, 'test/templates')),
    );
    expect(readdirSync(templates)).toEqual([expect.stringMatching(/^pglite-\d+\.\d+\.\d+$/)]);
    expect(existsSync(join(templates, readdirSync(templates)[0], 'PG_VERSION'))).toBe(true);

    const clients = started.map((database) => new Client({ connectionString: database.url }));
    await Promise.all(clients.map((client) => client.connect()));
    try {
      await clients[0].query('CREATE TABLE only_here (id int)');
      for (const client of clients.slice(1)) {
        const { rows } = await client.query("SELECT to_regclass('public.only_here') AS found");
        expect(rows[0].found).toBeNull();
      }
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
  }, 120_000);
});
