import { ServiceBusClient } from '@azure/service-bus';
import { parseCommand } from '../../platform/commands';
import { ServiceBusEventBus, fromServiceBusMessage } from '../../platform/events/serviceBusEventBus';
import { startServiceBusBroker, type ServiceBusBroker } from '../support/servers/serviceBusBroker';
import { makeEvent } from './runStoreContract';

const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('ServiceBusEventBus against the AMQP test broker', () => {
  let broker: ServiceBusBroker;
  let client: ServiceBusClient;

  beforeAll(async () => {
    broker = await startServiceBusBroker({
      queues: ['factory-commands'],
      topics: {
        'factory-events': {
          subscriptions: { all: {}, development: { filter: "phase = 'development-to-testing'" } },
        },
      },
      maxDeliveryCount: 3,
    });
    client = new ServiceBusClient(broker.connectionString);
  });
  afterAll(async () => {
    await client.close();
    await broker.stop();
  });

  it('sends each event in structured mode with ids, subject and trace properties, once', async () => {
    const bus = new ServiceBusEventBus(new ServiceBusClient(broker.connectionString), 'factory-events');
    const first = { ...makeEvent('acme', 'run-1', 'evt-1', 'factory.PhaseStarted'), traceparent };
    const second = {
      ...makeEvent('acme', 'run-1', 'evt-2', 'factory.PhaseCompleted'),
      phase: 'development-to-testing',
    };
    await bus.publish(first);
    await bus.publish(second);
    await bus.publish(first); // an outbox retry: dropped by duplicate detection
    await bus.close();

    const receiver = client.createReceiver('factory-events', 'all');
    const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: 300 });
    expect(messages.map((message) => message.messageId)).toEqual(['evt-1', 'evt-2']);
    const [message] = messages;
    expect(message).toMatchObject({
      subject: 'run-1',
      correlationId: 'run-1',
      contentType: 'application/cloudevents+json; charset=utf-8',
      applicationProperties: {
        type: 'factory.PhaseStarted',
        phase: 'vision-to-architecture',
        tenantid: 'acme',
        traceparent,
        'Diagnostic-Id': traceparent,
      },
    });
    expect(fromServiceBusMessage(message)).toEqual(first);
    for (const received of messages) await receiver.completeMessage(received);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 100 })).toEqual([]);
    await receiver.close();

    const filtered = client.createReceiver('factory-events', 'development', {
      receiveMode: 'receiveAndDelete',
    });
    const development = await filtered.receiveMessages(10, { maxWaitTimeInMs: 300 });
    expect(development.map((received) => received.messageId)).toEqual(['evt-2']);
    await filtered.close();
  });

  it('serves streaming receivers (subscribe) with auto-complete', async () => {
    const bus = new ServiceBusEventBus(client, 'factory-events', false);
    const receiver = client.createReceiver('factory-events', 'all');
    const received: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const subscription = receiver.subscribe({
        processMessage: async (message) => {
          received.push(fromServiceBusMessage(message).id);
          if (received.length === 2) void subscription.close().then(resolve);
        },
        processError: async (args) => reject(args.error),
      });
    });
    await bus.publish(makeEvent('acme', 'run-3', 'streamed-1'));
    await bus.publish(makeEvent('acme', 'run-3', 'streamed-2'));
    await done;
    await receiver.close();
    await bus.close();
    expect(received).toEqual(['streamed-1', 'streamed-2']);
    expect(broker.peek('factory-events/subscriptions/all')).toEqual([]);
  });

  it('refuses an invalid event before sending it', async () => {
    const bus = new ServiceBusEventBus(client, 'factory-events', false);
    await expect(bus.publish({ ...makeEvent('acme', 'run-1', 'x'), type: 'PhaseStarted' })).rejects.toThrow(
      /factory\.<Name>/,
    );
    await expect(bus.publish({ ...makeEvent('acme', 'run-1', ''), traceparent: 'nope' })).rejects.toThrow(
      /id must be a non-empty string; traceparent/,
    );
    await bus.close();
  });

  it('carries commands on the queue: valid ones complete, invalid ones are dead-lettered with the reason', async () => {
    const sender = client.createSender('factory-commands');
    await sender.sendMessages([
      {
        body: { type: 'StartRun', vision: 'A tool library' },
        messageId: 'c1',
        applicationProperties: { type: 'StartRun' },
      },
      {
        body: { runId: 'r1', decision: 'perhaps' },
        messageId: 'c2',
        applicationProperties: { type: 'ApproveGate' },
      },
    ]);
    await sender.close();
    const receiver = client.createReceiver('factory-commands');
    const messages = await receiver.receiveMessages(10, { maxWaitTimeInMs: 300 });
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      const parsed = parseCommand(message.body, message.applicationProperties);
      if (parsed.ok) await receiver.completeMessage(message);
      else
        await receiver.deadLetterMessage(message, {
          deadLetterReason: 'InvalidCommand',
          deadLetterErrorDescription: parsed.error.message,
        });
    }
    await receiver.close();
    const deadLetters = client.createReceiver('factory-commands', { subQueueType: 'deadLetter' });
    const [dead] = await deadLetters.receiveMessages(5, { maxWaitTimeInMs: 300 });
    expect(dead.messageId).toBe('c2');
    expect(dead.deadLetterReason).toBe('InvalidCommand');
    expect(dead.deadLetterErrorDescription).toMatch(/gate: .*decision: /);
    await deadLetters.completeMessage(dead);
    await deadLetters.close();
  });

  it('renews message locks through the management link', async () => {
    const sender = client.createSender('factory-commands');
    await sender.sendMessages({ body: { type: 'CancelRun', runId: 'r2' }, messageId: 'renew-me' });
    await sender.close();
    const receiver = client.createReceiver('factory-commands');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    const before = message.lockedUntilUtc!.getTime();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const renewed = await receiver.renewMessageLock(message);
    expect(renewed.getTime()).toBeGreaterThan(before);
    await receiver.completeMessage(message);
    await receiver.close();
  });

  it('redelivers abandoned messages and dead-letters them after the maximum delivery count', async () => {
    const sender = client.createSender('factory-commands');
    await sender.sendMessages({ body: { type: 'CancelRun', runId: 'r9' }, messageId: 'poison' });
    await sender.close();
    const receiver = client.createReceiver('factory-commands');
    const counts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
      counts.push(message.deliveryCount ?? -1);
      await receiver.abandonMessage(message);
    }
    expect(counts).toEqual([0, 1, 2]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 100 })).toEqual([]);
    await receiver.close();
    const dead = broker.peek('factory-commands/$deadletterqueue');
    expect(dead.map((item) => item.message.application_properties.DeadLetterReason)).toEqual([
      'MaxDeliveryCountExceeded',
    ]);
  });
});
