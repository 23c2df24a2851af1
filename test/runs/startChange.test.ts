import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeLineage, RunStatus } from '../../core/ports/runStore';
import { createPorts, type Ports } from '../../platform/config';
import { startChange } from '../../runs/startChange';
import { InvalidRunRequestError, type RunsClient } from '../../runs/startRun';
import { makeRun } from '../platform/runStoreContract';

/*
 * A change applies to the product's latest release, one at a time. The runs are made directly in the run store;
 * the refusals come before anything is read or started, so the durable client is never called.
 */

let home: string;
let ports: Ports;
const client: RunsClient = {
  startNew: () => Promise.reject(new Error('nothing may start')),
  getStatus: () => Promise.reject(new Error('nothing may start')),
  raiseEvent: () => Promise.reject(new Error('nothing may start')),
  terminate: () => Promise.reject(new Error('nothing may start')),
};

async function run(id: string, status: RunStatus, change?: ChangeLineage): Promise<void> {
  await ports.runs.create(
    makeRun('test', id, new Date().toISOString(), { status, ...(change ? { change } : {}) }),
  );
}

const change = (of: string, number: number): ChangeLineage => ({
  of,
  product: 'first',
  after: `1.${number - 1}.0`,
  number,
  removals: [],
});

const refusal = (of: string, runId?: string) =>
  startChange(ports, client, {
    tenantId: 'test',
    of,
    request: 'Each tool has a serial number.',
    runId,
    options: { approvals: [], iterations: 1, model: 'blueprint' },
  }).then(
    () => 'started',
    (error: Error) =>
      error instanceof InvalidRunRequestError ? error.message : `${error.name}: ${error.message}`,
  );

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'start-change-'));
  ports = createPorts({}, home);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('a change of a product', () => {
  it("applies to the product's latest release only", async () => {
    await run('first', 'Completed');
    await run('second', 'Completed', change('first', 1));
    // The first release was changed since: changing it again would lose that change.
    expect(await refusal('first')).toBe(
      "run second changed this product after run first: change the product's latest release, run second or a later one",
    );
  });

  it('waits for a change under way, but a request repeated under its run id is the same change', async () => {
    await run('first', 'Completed');
    await run('second', 'Running', change('first', 1));
    expect(await refusal('first')).toBe(
      'run second is changing this product now (Running): one change at a time; try again when it has ended',
    );
    // The same request again (its run id): not refused as another change; it goes on to read the run it changes,
    // which here has nothing built.
    expect(await refusal('first', 'second')).toBe('run first has no completed vision-to-architecture');
  });

  it("is not held up by another product's runs", async () => {
    await run('first', 'Completed');
    await run('other', 'Running');
    await run('other-change', 'Running', { ...change('other', 1), product: 'other' });
    expect(await refusal('first')).toBe('run first has no completed vision-to-architecture');
  });
});
