import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventBus, type StoredEvent } from '../../platform/events/embeddedEventBus';
import { makeEvent } from './runStoreContract';

describe('EmbeddedEventBus', () => {
  let dir: string;
  let bus: EmbeddedEventBus;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bus-'));
    bus = new EmbeddedEventBus(join(dir, 'bus.db'), { maxDeliveryCount: 2, lockDurationMs: 200 });
  });
  afterEach(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps events in order, drops duplicate ids and survives a restart', async () => {
    await bus.publish(makeEvent('acme', 'run-1', 'e1'));
    await bus.publish(makeEvent('acme', 'run-2', 'e2'));
    await bus.publish(makeEvent('acme', 'run-1', 'e1'));
    await bus.publish(makeEvent('other', 'run-1', 'e3', 'factory.PhaseCompleted'));
    await bus.close();
    bus = new EmbeddedEventBus(join(dir, 'bus.db'));
    expect(bus.list().map((stored) => stored.event.id)).toEqual(['e1', 'e2', 'e3']);
    expect(bus.list({ tenantId: 'acme', runId: 'run-1' }).map((stored) => stored.event.id)).toEqual(['e1']);
    expect(bus.list({ type: 'factory.PhaseCompleted' }).map((stored) => stored.event.tenantid)).toEqual([
      'other',
    ]);
    const [first] = bus.list();
    expect(bus.list({ after: first.seq }).map((stored) => stored.event.id)).toEqual(['e2', 'e3']);
  });

  it('refuses invalid events', async () => {
    await expect(
      bus.publish({ ...makeEvent('acme', 'run-1', 'e1'), specversion: '0.3' as '1.0' }),
    ).rejects.toThrow(/specversion/);
  });

  it('delivers the backlog, then new events, to a subscriber, also from another process writing the file', async () => {
    await bus.publish(makeEvent('acme', 'run-1', 'e1'));
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      const stop = bus.subscribe(
        (stored: StoredEvent) => {
          seen.push(stored.event.id);
          if (seen.length === 3) {
            stop();
            resolve();
          }
        },
        { runId: 'run-1', pollMs: 50 },
      );
    });
    await bus.publish(makeEvent('acme', 'run-2', 'elsewhere'));
    await bus.publish(makeEvent('acme', 'run-1', 'e2'));
    const writer = new EmbeddedEventBus(join(dir, 'bus.db'));
    await writer.publish(makeEvent('acme', 'run-1', 'e3'));
    await writer.close();
    await done;
    expect(seen).toEqual(['e1', 'e2', 'e3']);
  });

  it('works as a command queue with peek-lock, duplicate detection and dead-lettering', async () => {
    expect(bus.send('factory-commands', { body: { type: 'CancelRun', runId: 'r1' }, messageId: 'm1' })).toBe(
      true,
    );
    expect(bus.send('factory-commands', { body: { type: 'CancelRun', runId: 'r1' }, messageId: 'm1' })).toBe(
      false,
    );
    bus.send('factory-commands', {
      body: { type: 'StartRun' },
      messageId: 'm2',
      applicationProperties: { type: 'StartRun' },
    });
    bus.send('factory-commands', { body: 'poison', messageId: 'm3' });

    const first = bus.receive('factory-commands')!;
    expect(first).toMatchObject({
      messageId: 'm1',
      body: { type: 'CancelRun', runId: 'r1' },
      deliveryCount: 0,
    });
    bus.complete(first.lockToken);
    expect(() => bus.complete(first.lockToken)).toThrow(/unknown or has expired/);

    const second = bus.receive('factory-commands')!;
    expect(second.applicationProperties).toEqual({ type: 'StartRun' });
    bus.deadLetter(second.lockToken, 'InvalidCommand', 'vision: required');

    const third = bus.receive('factory-commands')!;
    expect(third.messageId).toBe('m3');
    bus.abandon(third.lockToken);
    const again = bus.receive('factory-commands')!;
    expect(again.deliveryCount).toBe(1);
    bus.abandon(again.lockToken);
    expect(bus.receive('factory-commands')).toBeUndefined();
    expect(
      bus.deadLettered('factory-commands').map((message) => [message.messageId, message.reason]),
    ).toEqual([
      ['m2', 'InvalidCommand'],
      ['m3', 'MaxDeliveryCountExceeded'],
    ]);
  });

  it('makes a message available again when its lock expires', async () => {
    bus.send('q', { body: 1, messageId: 'a' });
    const locked = bus.receive('q')!;
    expect(bus.receive('q')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 250));
    const redelivered = bus.receive('q')!;
    expect(redelivered.deliveryCount).toBe(1);
    expect(() => bus.complete(locked.lockToken)).toThrow(/expired/);
    bus.complete(redelivered.lockToken);
  });

  it('wakes a waiting consumer when a command arrives', async () => {
    const started = Date.now();
    const waiting = bus.waitForMessage('q', 5000);
    bus.send('q', { body: 1 });
    await waiting;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
