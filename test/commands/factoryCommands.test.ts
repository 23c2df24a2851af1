import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenForCommands, type CommandListener } from '../../local/commandListener';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';

const vision = readFileSync(join(__dirname, '../../examples/visions/community-garden-plots.md'), 'utf8');

describe('commands on the factory-commands queue (embedded bus, the registered Service Bus trigger)', () => {
  let t: TestFactory;
  let listener: CommandListener;
  beforeAll(async () => {
    t = await startTestFactory();
    listener = listenForCommands(t.factory, t.ports);
  });
  afterAll(async () => {
    await listener.stop();
    await t.close();
  });

  const queue = () => {
    if (t.ports.commands.adapter !== 'embedded') throw new Error('the test expects the embedded bus');
    return t.ports.commands;
  };
  const send = (body: unknown, messageId: string, applicationProperties: Record<string, string> = {}) =>
    queue().bus.send(queue().queue, { body, messageId, applicationProperties });
  const deadLettered = async (count: number) => {
    for (let i = 0; i < 100; i++) {
      const found = queue().bus.deadLettered(queue().queue);
      if (found.length >= count) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return queue().bus.deadLettered(queue().queue);
  };

  it('dead-letters malformed, invalid and oversized commands with their reasons and starts nothing', async () => {
    send('{ not json', 'bad-json');
    send({ type: 'StartRun', vision: '' }, 'empty-vision');
    send({ type: 'LaunchRocket' }, 'unknown-type');
    send({ type: 'StartRun', vision: 'x'.repeat(300 * 1024) }, 'oversized');
    send({ type: 'ApproveGate', runId: '../etc', gate: 'architecture', decision: 'maybe' }, 'bad-approval');
    const letters = await deadLettered(5);
    expect(letters.map((m) => m.messageId).sort()).toEqual([
      'bad-approval',
      'bad-json',
      'empty-vision',
      'oversized',
      'unknown-type',
    ]);
    for (const letter of letters) {
      expect(letter.reason).toBe('invalid-command');
      expect(letter.description).toMatch(/invalid command: /);
    }
    expect(letters.find((m) => m.messageId === 'bad-approval')?.description).toMatch(
      /runId.*decision|decision.*runId/s,
    );
    expect((await t.ports.runs.list('default', {})).items).toHaveLength(0);
  });

  it("starts a run once however often StartRun arrives; the same run id is another tenant's own run", async () => {
    const command = {
      type: 'StartRun',
      runId: 'cmd-run-1',
      vision,
      options: { approvals: ['architecture'] },
    };
    send(command, 'start-1');
    send(command, 'start-1'); // duplicate message id: dropped by duplicate detection
    send(command, 'start-2'); // same run id in another message: the existing run stands
    expect(
      await t.waitFor('cmd-run-1', (s) => s === 'WaitingForApproval' || s === 'Failed', 240000, 'default'),
    ).toBe('WaitingForApproval');
    const runs = await t.ports.runs.list('default', {});
    expect(runs.items.map((r) => r.id)).toEqual(['cmd-run-1']);
    expect(t.factory.host.listInstances().filter((i) => i.name === 'factoryRun')).toHaveLength(1);

    // Another tenant naming this run reaches nothing: its commands are dead-lettered and the run waits on.
    send({ type: 'CancelRun', runId: 'cmd-run-1', tenantId: 'mallory' }, 'steal-cancel');
    const approval = { type: 'ApproveGate', runId: 'cmd-run-1', gate: 'architecture', decision: 'reject' };
    send({ ...approval, tenantId: 'mallory' }, 'steal-approve');
    const refused = (await deadLettered(7)).filter((m) => String(m.messageId).startsWith('steal-'));
    expect(refused.map((m) => [m.messageId, m.reason]).sort()).toEqual([
      ['steal-approve', 'run-not-found'],
      ['steal-cancel', 'run-not-found'],
    ]);

    // The same run id started by that tenant is its own run beside the first: it runs, and its commands reach
    // it alone.
    send({ ...command, tenantId: 'mallory', vision: `${vision}\nMallory's plots.\n` }, 'mallory-start');
    expect(
      await t.waitFor('cmd-run-1', (s) => s === 'WaitingForApproval' || s === 'Failed', 240000, 'mallory'),
    ).toBe('WaitingForApproval');
    expect(t.factory.host.listInstances().filter((i) => i.name === 'factoryRun')).toHaveLength(2);
    send({ type: 'CancelRun', runId: 'cmd-run-1', tenantId: 'mallory' }, 'mallory-cancel');
    expect(await t.waitFor('cmd-run-1', (s) => s === 'Terminated', 30000, 'mallory')).toBe('Terminated');
    expect(t.factory.runStatus('default', 'cmd-run-1')?.runtimeStatus).toBe('Running');
    expect((await t.ports.runs.get('default', 'cmd-run-1'))?.status).toBe('WaitingForApproval');

    send({ type: 'CancelRun', runId: 'cmd-run-1', reason: 'not needed' }, 'cancel-1');
    expect(await t.waitFor('cmd-run-1', (s) => s === 'Terminated', 30000, 'default')).toBe('Terminated');
    expect((await t.ports.runs.get('default', 'cmd-run-1'))?.failure).toMatchObject({
      reason: 'cancelled',
      message: 'not needed',
    });

    // A change applies to the product of a completed run of the sender's tenant, and says something.
    const change = { type: 'RequestChange', runId: 'cmd-run-1', request: 'Each plot has a soil type.' };
    send(change, 'change-cancelled');
    send({ ...change, tenantId: 'mallory-2' }, 'change-stolen');
    send({ ...change, request: ' ' }, 'change-empty');
    send(
      { ...change, request: '---\nbackfill: { plot: 1 }\n---\nEach plot has a soil type.' },
      'change-terms',
    );
    // A run on given artifacts that do not pass the checks: the reason names each problem.
    send(
      {
        type: 'StartRun',
        fromPhase: 'architecture-to-development',
        artifacts: [{ path: 'notes.txt', content: 'x' }],
      },
      'given-artifacts',
    );
    const letters = await deadLettered(12);
    const given = letters.find((m) => m.messageId === 'given-artifacts')!;
    expect([given.reason, given.description]).toEqual([
      'invalid-command',
      expect.stringContaining('artifacts/notes.txt: not an input of this phase'),
    ]);
    const changes = letters.filter((m) => String(m.messageId).startsWith('change-'));
    expect(Object.fromEntries(changes.map((m) => [m.messageId, [m.reason, m.description]]))).toEqual({
      'change-cancelled': [
        'invalid-command',
        'invalid command: run cmd-run-1 is Terminated: a change applies to the product of a completed run',
      ],
      'change-stolen': ['run-not-found', 'run cmd-run-1 not found'],
      'change-empty': ['invalid-command', expect.stringContaining('request: must not be empty')],
      'change-terms': [
        'invalid-command',
        expect.stringContaining(
          "the change request's front matter: backfill.plot: a backfill key is Entity.attribute",
        ),
      ],
    });
    expect((await t.ports.runs.list('default', {})).items.map((r) => r.id)).toEqual(['cmd-run-1']);
  }, 300000);
});
