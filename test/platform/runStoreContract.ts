import type { CloudEvent } from '../../core/ports/eventBus';
import type { RunDocument, RunStore } from '../../core/ports/runStore';

export function makeRun(
  tenantId: string,
  id: string,
  createdAt: string,
  overrides: Partial<RunDocument> = {},
): RunDocument {
  return {
    id,
    tenantId,
    name: `run ${id}`,
    visionTitle: 'Neighbourhood tool library',
    visionPath: 'vision/vision.md',
    status: 'Pending',
    createdAt,
    updatedAt: createdAt,
    options: { approvals: [], iterations: 1, model: 'blueprint' },
    iteration: 1,
    phases: [],
    gates: [],
    approvals: [],
    artifacts: [],
    counters: { agentCalls: 0, promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimatedCost: 0 },
    ...overrides,
  };
}

export function makeEvent(
  tenantId: string,
  runId: string,
  id: string,
  type = 'factory.PhaseStarted',
): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: '/factory/runs',
    type,
    subject: runId,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    tenantid: tenantId,
    phase: 'vision-to-architecture',
    data: { runId },
  };
}

/** The behaviour every `RunStore` adapter promises; run once per adapter. */
export function runStoreContract(
  name: string,
  setup: () => Promise<RunStore>,
  teardown?: () => Promise<void>,
): void {
  describe(`RunStore contract: ${name}`, () => {
    let store: RunStore;
    let counter = 0;
    const tenant = () => `tenant-${++counter}-${Date.now()}`;

    beforeAll(async () => {
      store = await setup();
    });
    afterAll(async () => {
      await teardown?.();
    });

    it('creates a run once and returns the stored document on repeats', async () => {
      const t = tenant();
      const first = await store.create(makeRun(t, 'r1', '2026-01-01T00:00:00.000Z'));
      expect(first.created).toBe(true);
      expect(first.doc).toEqual(makeRun(t, 'r1', '2026-01-01T00:00:00.000Z'));
      const again = await store.create(makeRun(t, 'r1', '2026-01-01T00:00:00.000Z', { name: 'changed' }));
      expect(again.created).toBe(false);
      expect(again.doc.name).toBe('run r1');
      expect(await store.get(t, 'r1')).toEqual(first.doc);
      expect(await store.get(t, 'missing')).toBeUndefined();
    });

    it('keeps tenants apart', async () => {
      const [a, b] = [tenant(), tenant()];
      await store.create(makeRun(a, 'shared-id', '2026-01-01T00:00:00.000Z', { name: 'of a' }));
      await store.create(makeRun(b, 'shared-id', '2026-01-01T00:00:00.000Z', { name: 'of b' }));
      expect((await store.get(a, 'shared-id'))?.name).toBe('of a');
      expect((await store.get(b, 'shared-id'))?.name).toBe('of b');
      expect((await store.list(a, {})).items.map((run) => run.name)).toEqual(['of a']);
      await store.update(a, 'shared-id', (doc) => void (doc.status = 'Running'));
      expect((await store.get(b, 'shared-id'))?.status).toBe('Pending');
      await store.appendEvent(a, 'shared-id', makeEvent(a, 'shared-id', 'e1'));
      expect(await store.listEvents(b, 'shared-id')).toEqual([]);
    });

    it('updates a run and refuses to move it to another id or tenant', async () => {
      const t = tenant();
      await store.create(makeRun(t, 'r1', '2026-01-01T00:00:00.000Z'));
      const updated = await store.update(t, 'r1', (doc) => {
        doc.status = 'Running';
        doc.currentPhase = 'vision-to-architecture';
      });
      expect(updated).toMatchObject({ status: 'Running', currentPhase: 'vision-to-architecture' });
      expect(await store.get(t, 'r1')).toEqual(updated);
      await expect(store.update(t, 'r1', (doc) => void (doc.tenantId = 'other'))).rejects.toThrow(
        /cannot change/,
      );
      await expect(store.update(t, 'r1', (doc) => void (doc.id = 'r2'))).rejects.toThrow(/cannot change/);
      expect(await store.get(t, 'r2')).toBeUndefined();
      await expect(store.update(t, 'nope', () => undefined)).rejects.toThrow(/not found/);
    });

    it('loses no update when many run in parallel', async () => {
      const t = tenant();
      await store.create(makeRun(t, 'busy', '2026-01-01T00:00:00.000Z'));
      const writers = 12;
      await Promise.all(
        Array.from({ length: writers }, (_, i) =>
          store.update(t, 'busy', (doc) => {
            doc.counters.agentCalls += 1;
            doc.gates.push({
              phase: `p${i}`,
              iteration: 1,
              attempt: 1,
              passed: true,
              criteria: [],
              reportPath: `g${i}`,
              at: 'now',
            });
          }),
        ),
      );
      const doc = await store.get(t, 'busy');
      expect(doc?.counters.agentCalls).toBe(writers);
      expect(new Set(doc?.gates.map((gate) => gate.phase)).size).toBe(writers);
    });

    it('lists newest first, by status, in pages', async () => {
      const t = tenant();
      for (let i = 0; i < 7; i++) {
        const createdAt = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
        await store.create(makeRun(t, `r${i}`, createdAt, { status: i % 2 === 0 ? 'Completed' : 'Running' }));
      }
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await store.list(t, { limit: 3, continuationToken: token });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((run) => run.id));
        token = page.continuationToken;
        pages++;
      } while (token && pages < 10);
      expect(seen).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
      expect(pages).toBe(3);
      const completed = await store.list(t, { status: 'Completed', limit: 10 });
      expect(completed.items.map((run) => run.id)).toEqual(['r6', 'r4', 'r2', 'r0']);
      expect(completed.continuationToken).toBeUndefined();
      // A page that ends exactly with the last run says there is nothing more.
      const exact = await store.list(t, { status: 'Running', limit: 3 });
      expect(exact.items.map((run) => run.id)).toEqual(['r5', 'r3', 'r1']);
      expect(exact.continuationToken).toBeUndefined();
    });

    it('rejects invalid list queries and keys with clear errors', async () => {
      const t = tenant();
      await expect(store.list(t, { limit: 0 })).rejects.toThrow(/page size/);
      await expect(store.list(t, { status: 'Sleeping' as never })).rejects.toThrow(/invalid run status/);
      await expect(store.get('../x', 'r1')).rejects.toThrow(/invalid tenantId/);
      await expect(store.list('../x', {})).rejects.toThrow(/invalid tenantId/);
      await expect(store.create(makeRun(t, 'bad/id', '2026-01-01T00:00:00.000Z'))).rejects.toThrow(
        /invalid runId/,
      );
    });

    it('keeps an event outbox: idempotent appends, in order, with publication marks', async () => {
      const t = tenant();
      await store.create(makeRun(t, 'r1', '2026-01-01T00:00:00.000Z'));
      for (const id of ['e1', 'e2', 'e3']) await store.appendEvent(t, 'r1', makeEvent(t, 'r1', id));
      await store.appendEvent(t, 'r1', makeEvent(t, 'r1', 'e2', 'factory.Other'));
      await store.markEventPublished(t, 'r1', 'e2');
      const events = await store.listEvents(t, 'r1');
      expect(events.map((event) => [event.id, event.type, event.published])).toEqual([
        ['e1', 'factory.PhaseStarted', false],
        ['e2', 'factory.PhaseStarted', true],
        ['e3', 'factory.PhaseStarted', false],
      ]);
      expect(events[0]).toMatchObject({
        specversion: '1.0',
        subject: 'r1',
        tenantid: t,
        data: { runId: 'r1' },
      });
      await expect(store.markEventPublished(t, 'r1', 'unknown')).rejects.toThrow(/not found/);
    });
  });
}
