// Bad input on the Service Bus command queue (the real SDK against the AMQP test broker) and corrupted artifact
// content in Blob Storage (Azurite) under a running workflow.
import { ServiceBusClient, type ServiceBusMessage, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listenForCommands, type CommandListener } from '../../local/commandListener';
import { startTestFactory, type TestFactory } from '../support/embeddedFactory';
import {
  startAzurite,
  startServiceBusBroker,
  type AzuriteServer,
  type ServiceBusBroker,
} from '../support/servers';
import { root } from './support';

const queueName = 'factory-commands';
const vision = readFileSync(join(root, 'examples/visions/community-garden-plots.md'), 'utf8');
const otherVision = readFileSync(join(root, 'examples/visions/clinic-appointments.md'), 'utf8');
const tenant = 'default'; // commands that name no tenant

/** A run has settled once its document exists (the command may still be on its way) and it is neither pending nor running. */
const settled = (status: string) => !['missing', 'Pending', 'Running'].includes(status);

describe('bad input: Service Bus commands on the AMQP broker, corrupted artifacts in Blob Storage', () => {
  let blob: AzuriteServer;
  let bus: ServiceBusBroker;
  let t: TestFactory;
  let listener: CommandListener;
  let client: ServiceBusClient;
  const deadLettered = new Map<string, ServiceBusReceivedMessage>();

  beforeAll(async () => {
    [blob, bus] = await Promise.all([
      startAzurite(),
      startServiceBusBroker({
        queues: [queueName],
        topics: { 'factory-events': { subscriptions: { all: {} } } },
        maxDeliveryCount: 5,
      }),
    ]);
    t = await startTestFactory({
      env: { ArtifactStorage: blob.connectionString, ServiceBusConnection: bus.connectionString },
    });
    listener = listenForCommands(t.factory, t.ports);
    client = new ServiceBusClient(bus.connectionString);
  }, 60000);

  afterAll(async () => {
    await listener?.stop();
    await client?.close();
    await t?.close();
    await Promise.all([blob?.stop(), bus?.stop()]);
  });

  const send = async (messages: ServiceBusMessage[]) => {
    const sender = client.createSender(queueName);
    for (const message of messages) await sender.sendMessages(message);
    await sender.close();
  };
  /** Reads the dead-letter queue with the SDK until these message ids are there (or the wait ends). */
  const deadLetters = async (messageIds: string[]) => {
    const receiver = client.createReceiver(queueName, {
      subQueueType: 'deadLetter',
      receiveMode: 'peekLock',
    });
    const deadline = Date.now() + 60000;
    while (messageIds.some((id) => !deadLettered.has(id)) && Date.now() < deadline) {
      for (const message of await receiver.receiveMessages(20, { maxWaitTimeInMs: 500 })) {
        deadLettered.set(String(message.messageId), message);
        await receiver.completeMessage(message);
      }
    }
    await receiver.close();
    return messageIds.map((id) => deadLettered.get(id));
  };

  it('dead-letters malformed, invalid and oversized commands with the reason and the failing fields; starts nothing', async () => {
    const cases: Array<{ id: string; message: Omit<ServiceBusMessage, 'messageId'>; field: string }> = [
      { id: 'not-json', message: { body: '{ "type": "StartRun", ' }, field: 'body' },
      { id: 'binary', message: { body: Buffer.from([0xff, 0xfe, 0x00, 0x01]) }, field: 'body' },
      { id: 'number', message: { body: 42 }, field: 'body' },
      { id: 'array', message: { body: [{ type: 'StartRun', vision }] }, field: 'body' },
      { id: 'oversized', message: { body: 'x'.repeat(300 * 1024) }, field: 'body' },
      { id: 'unknown-type', message: { body: { type: 'LaunchRocket' } }, field: 'type' },
      { id: 'empty-vision', message: { body: { type: 'StartRun', vision: '   ' } }, field: 'vision' },
      {
        id: 'long-vision',
        message: { body: { type: 'StartRun', vision: 'v'.repeat(200_001) } },
        field: 'vision',
      },
      {
        id: 'unknown-field',
        message: { body: { type: 'StartRun', vision, colour: 'red' } },
        field: 'body',
      },
      {
        // A phase orchestration's instance id: must never become a run id.
        id: 'instance-id-as-run-id',
        message: { body: { type: 'StartRun', vision, runId: 'x1:vision-to-architecture:1:1' } },
        field: 'runId',
      },
      {
        id: 'type-mismatch',
        message: { body: { type: 'StartRun', vision }, applicationProperties: { type: 'CancelRun' } },
        field: 'type',
      },
      {
        id: 'unknown-model',
        message: { body: { type: 'StartRun', vision, options: { model: 'gpt-9' } } },
        field: 'options.model',
      },
      {
        id: 'bad-approval',
        message: { body: { type: 'ApproveGate', runId: '../etc', gate: 'architecture', decision: 'maybe' } },
        field: 'decision',
      },
      {
        id: 'bad-tenant',
        message: { body: { type: 'CancelRun', runId: 'abc', tenantId: 'a b' } },
        field: 'tenantId',
      },
    ];
    await send(cases.map((c) => ({ ...c.message, messageId: c.id })));
    const letters = await deadLetters(cases.map((c) => c.id));
    for (const [i, letter] of letters.entries()) {
      const { id, field } = cases[i];
      expect({ id, reason: letter?.deadLetterReason }).toEqual({ id, reason: 'invalid-command' });
      expect({ id, description: letter?.deadLetterErrorDescription }).toEqual({
        id,
        description: expect.stringContaining(`${field}: `),
      });
    }
    // Nothing is lost: the dead-lettered message is the message as it was sent.
    expect(deadLettered.get('unknown-field')?.body).toEqual({ type: 'StartRun', vision, colour: 'red' });
    expect((await t.ports.runs.list(tenant, {})).items).toEqual([]);
    expect(t.factory.host.listInstances()).toEqual([]);
    expect(bus.peek(queueName)).toEqual([]);
  }, 120000);

  it('starts a run once for duplicated StartRun messages and dead-letters commands that can never succeed', async () => {
    const start = {
      body: { type: 'StartRun', runId: 'sb-dup', vision, options: { approvals: ['architecture'] } },
      applicationProperties: { type: 'StartRun' },
    };
    await send([
      { ...start, messageId: 'start-1' },
      { ...start, messageId: 'start-1' }, // same message id: dropped by duplicate detection
      { ...start, messageId: 'start-2' }, // same run id in another message: the run stands, once
      {
        body: { type: 'ApproveGate', runId: 'no-such-run', gate: 'architecture', decision: 'approve' },
        messageId: 'approve-unknown',
      },
      { body: { type: 'CancelRun', runId: 'no-such-run' }, messageId: 'cancel-unknown' },
    ]);
    expect(await t.waitFor('sb-dup', settled, 240000, tenant)).toBe('WaitingForApproval');
    await send([
      { body: { ...start.body, vision: otherVision }, messageId: 'start-conflict' },
      {
        body: { type: 'ApproveGate', runId: 'sb-dup', gate: 'release', decision: 'approve' },
        messageId: 'approve-early',
      },
    ]);
    const letters = await deadLetters([
      'approve-unknown',
      'cancel-unknown',
      'start-conflict',
      'approve-early',
    ]);
    expect(letters.map((l) => [l?.messageId, l?.deadLetterReason])).toEqual([
      ['approve-unknown', 'run-not-found'],
      ['cancel-unknown', 'run-not-found'],
      ['start-conflict', 'run-conflict'],
      ['approve-early', 'gate-not-waiting'],
    ]);
    expect(letters[2]?.deadLetterErrorDescription).toMatch(/sb-dup already exists with a different request/);

    expect((await t.ports.runs.list(tenant, {})).items.map((r) => r.id)).toEqual(['sb-dup']);
    expect(t.factory.host.listInstances().filter((i) => i.name === 'factoryRun')).toHaveLength(1);
    const events = await t.ports.runs.listEvents(tenant, 'sb-dup');
    expect(events.filter((e) => e.type === 'factory.RunStarted')).toHaveLength(1);

    await send([
      { body: { type: 'CancelRun', runId: 'sb-dup', reason: 'done testing' }, messageId: 'cancel-1' },
    ]);
    expect(await t.waitFor('sb-dup', (s) => s === 'Terminated', 60000, tenant)).toBe('Terminated');
    expect(bus.peek(queueName)).toEqual([]);
  }, 300000);

  it('detects an artifact corrupted in Blob Storage when the next phase reads it: the run fails, saying so', async () => {
    await send([
      {
        body: { type: 'StartRun', runId: 'corrupted', vision, options: { approvals: ['architecture'] } },
        messageId: 'start-corrupted',
      },
    ]);
    expect(await t.waitFor('corrupted', settled, 240000, tenant)).toBe('WaitingForApproval');
    // Someone with access to the storage account changes an OpenAPI document the developers build from.
    const [spec] = (await t.ports.artifacts.list(tenant, 'corrupted')).filter((a) => a.kind === 'openapi');
    const blobClient = BlobServiceClient.fromConnectionString(blob.connectionString)
      .getContainerClient('artifacts')
      .getBlockBlobClient(`${tenant}/corrupted/${spec.path}`);
    const { metadata } = await blobClient.getProperties();
    await blobClient.uploadData(Buffer.from('{"openapi":"3.1.0","paths":{}}'), { metadata });
    await expect(t.ports.artifacts.get(tenant, 'corrupted', spec.path)).rejects.toThrow(/corrupt/i);

    await send([
      {
        body: { type: 'ApproveGate', runId: 'corrupted', gate: 'architecture', decision: 'approve' },
        messageId: 'approve-corrupted',
      },
    ]);
    expect(await t.waitFor('corrupted', (s) => ['Completed', 'Failed'].includes(s), 240000, tenant)).toBe(
      'Failed',
    );
    const doc = await t.ports.runs.get(tenant, 'corrupted');
    expect(doc?.failure?.message).toContain(spec.path);
    expect(doc?.failure?.message).toMatch(/sha256/);
  }, 300000);
});
