import { app, type InvocationContext } from '@azure/functions';
import * as df from 'durable-functions';
import { composition } from '../compositionRoot';
import { CommandRejectedError } from '../../platform/commands';
import { executeCommand } from '../../runs/commandHandler';

/**
 * Commands from other systems (StartRun, ApproveGate, CancelRun) on the `factory-commands` queue.
 *
 * A command that can never succeed (invalid, unknown run, conflicting, gate not waiting) throws
 * `CommandRejectedError`. In Azure the Functions host then abandons it and Service Bus dead-letters it after the
 * queue's max delivery count (5, set in Bicep) with reason MaxDeliveryCountExceeded; the rejection reason is
 * logged with the message id. Locally the command listener dead-letters it at once with the rejection reason
 * (`invalid-command`, `run-not-found`, `run-conflict`, `gate-not-waiting`) and description.
 */
export async function factoryCommands(message: unknown, context: InvocationContext): Promise<void> {
  const meta = context.triggerMetadata ?? {};
  try {
    const outcome = await executeCommand(composition().ports, df.getClient(context), message, {
      messageId: typeof meta.messageId === 'string' ? meta.messageId : undefined,
      applicationProperties: (meta.applicationProperties ?? {}) as Record<string, unknown>,
      traceparent:
        typeof (meta.applicationProperties as Record<string, unknown> | undefined)?.traceparent === 'string'
          ? String((meta.applicationProperties as Record<string, unknown>).traceparent)
          : undefined,
    });
    context.log(`command ${outcome.type} for run ${outcome.runId}: ${outcome.result}`);
  } catch (error) {
    if (error instanceof CommandRejectedError)
      context.error(`rejected command ${String(meta.messageId ?? '')} (${error.reason}): ${error.message}`);
    throw error;
  }
}

app.serviceBusQueue('factoryCommands', {
  connection: 'ServiceBusConnection',
  queueName: '%FACTORY_COMMANDS_QUEUE%',
  extraInputs: [df.input.durableClient()],
  handler: factoryCommands,
});
