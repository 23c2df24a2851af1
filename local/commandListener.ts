import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { Ports } from '../platform/config';
import { CommandValidationError } from '../platform/commands';
import { trackCommandDeadLettered } from '../platform/telemetry/factoryTelemetry';
import type { FunctionRegistration } from './durableHost/registry';
import { invocationContextFor } from './httpDispatcher';
import type { EmbeddedFactory } from './embeddedFactory';

export interface CommandListener {
  stop(): Promise<void>;
}

/**
 * Plays the Functions host's Service Bus extension for the command queue: receives in peek-lock mode, invokes
 * the registered `factoryCommands` trigger, completes on success, dead-letters invalid commands with their
 * validation errors, abandons on other failures (the queue's max delivery count then dead-letters them).
 */
export function listenForCommands(
  factory: EmbeddedFactory,
  ports: Ports,
  log: (message: string) => void = () => undefined,
): CommandListener {
  const registration = factory.registry.require('factoryCommands', 'serviceBusTrigger');
  const invoke = async (body: unknown, metadata: Record<string, unknown>) => {
    const context = invocationContextFor(registration, (level, message) => log(`${level}: ${message}`));
    Object.assign(context, { triggerMetadata: metadata });
    factory.fillInputs(registration as FunctionRegistration, context);
    await registration.handler(body, context);
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
        try {
          await invoke(message.body, {
            messageId: message.messageId,
            deliveryCount: message.deliveryCount,
            applicationProperties: message.applicationProperties,
          });
          queue.bus.complete(message.lockToken);
        } catch (error) {
          if (error instanceof CommandValidationError) {
            queue.bus.deadLetter(message.lockToken, 'invalid-command', error.message);
            trackCommandDeadLettered({ reason: 'invalid-command', description: error.message });
          } else {
            log(`command ${message.messageId} failed, will be retried: ${(error as Error).message}`);
            queue.bus.abandon(message.lockToken);
          }
        }
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
      processMessage: async (message: ServiceBusReceivedMessage) => {
        try {
          await invoke(message.body, {
            messageId: message.messageId,
            deliveryCount: message.deliveryCount,
            applicationProperties: message.applicationProperties ?? {},
          });
          await receiver.completeMessage(message);
        } catch (error) {
          if (error instanceof CommandValidationError) {
            await receiver.deadLetterMessage(message, {
              deadLetterReason: 'invalid-command',
              deadLetterErrorDescription: error.message.slice(0, 1024),
            });
            trackCommandDeadLettered({ reason: 'invalid-command', description: error.message });
          } else {
            log(`command ${String(message.messageId)} failed, will be retried: ${(error as Error).message}`);
            await receiver.abandonMessage(message);
          }
        }
      },
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
