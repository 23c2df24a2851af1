import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { Ports } from '../platform/config';
import { CommandRejectedError } from '../platform/commands';
import { trackCommandDeadLettered } from '../telemetry';
import type { FunctionRegistration } from './durableHost/registry';
import { invocationContextFor } from './httpDispatcher';
import type { EmbeddedFactory } from './embeddedFactory';

export interface CommandListener {
  stop(): Promise<void>;
}

/**
 * Plays the Functions host's Service Bus extension for the command queue: receives in peek-lock mode, invokes
 * the registered `factoryCommands` trigger, completes on success, dead-letters commands that can never succeed
 * (invalid, unknown run, conflict, gate not waiting) with their reason, abandons on other failures (a dependency
 * down: redelivered, and the queue's max delivery count dead-letters them in the end).
 */
export function listenForCommands(
  factory: EmbeddedFactory,
  ports: Ports,
  log: (message: string) => void = () => undefined,
): CommandListener {
  const registration = factory.registry.require('factoryCommands', 'serviceBusTrigger');
  /** Invokes the trigger, then settles the message the way the outcome calls for. */
  const handle = async (message: ReceivedCommand, settle: Settlement) => {
    const context = invocationContextFor(registration, (level, text) => log(`${level}: ${text}`));
    Object.assign(context, {
      triggerMetadata: {
        messageId: message.messageId,
        deliveryCount: message.deliveryCount,
        applicationProperties: message.applicationProperties,
      },
    });
    factory.fillInputs(registration as FunctionRegistration, context);
    try {
      await registration.handler(message.body, context);
      await settle.complete();
    } catch (error) {
      if (error instanceof CommandRejectedError) {
        const description = error.message.slice(0, 1024);
        await settle.deadLetter(error.reason, description);
        trackCommandDeadLettered({ reason: error.reason, description });
      } else {
        log(`command ${String(message.messageId)} failed, will be retried: ${(error as Error).message}`);
        await settle.abandon();
      }
    }
  };
  const queue = ports.commands;
  if (queue.adapter === 'embedded') {
    let stopped = false;
    const loop = (async () => {
      while (!stopped) {
        const message = queue.bus.receive(queue.queue);
        if (!message) {
          await queue.bus.waitForMessage(queue.queue, 500);
          continue;
        }
        await handle(message, {
          complete: async () => queue.bus.complete(message.lockToken),
          deadLetter: async (reason, description) =>
            queue.bus.deadLetter(message.lockToken, reason, description),
          abandon: async () => queue.bus.abandon(message.lockToken),
        });
      }
    })();
    return {
      async stop() {
        stopped = true;
        await loop;
      },
    };
  }
  const receiver: ServiceBusReceiver = queue.client.createReceiver(queue.queue, { receiveMode: 'peekLock' });
  const subscription = receiver.subscribe(
    {
      processMessage: (message: ServiceBusReceivedMessage) =>
        handle(
          {
            body: message.body,
            messageId: message.messageId,
            deliveryCount: message.deliveryCount,
            applicationProperties: message.applicationProperties ?? {},
          },
          {
            complete: () => receiver.completeMessage(message),
            deadLetter: (deadLetterReason, deadLetterErrorDescription) =>
              receiver.deadLetterMessage(message, { deadLetterReason, deadLetterErrorDescription }),
            abandon: () => receiver.abandonMessage(message),
          },
        ),
      processError: async (args) => log(`command receiver: ${args.error.message}`),
    },
    { autoCompleteMessages: false, maxConcurrentCalls: 2 },
  );
  return {
    async stop() {
      await subscription.close();
      await receiver.close();
    },
  };
}

interface ReceivedCommand {
  body: unknown;
  messageId?: string | number | Buffer;
  deliveryCount?: number;
  applicationProperties?: Record<string, unknown>;
}

interface Settlement {
  complete(): Promise<void>;
  deadLetter(reason: string, description: string): Promise<void>;
  abandon(): Promise<void>;
}
