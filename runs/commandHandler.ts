import type { Ports } from '../platform/config';
import { checkModelConfiguration } from '../agents/runtime/modelProviders';
import {
  CommandRejectedError,
  CommandValidationError,
  parseCommand,
  type Command,
} from '../platform/commands';
import { cancelRun, decideApproval, GateNotWaitingError, RunNotFoundError } from './runCommands';
import { parseRunOptions } from './runOptions';
import { startChange } from './startChange';
import { InvalidRunRequestError, RunConflictError, type RunsClient } from './startRun';
import { startRequestedRun } from './startFromPhase';

/** Tenant of commands that name none: commands come from systems inside the namespace, not from end users. */
export const defaultCommandTenant = 'default';

export interface CommandOutcome {
  type: Command['type'];
  runId: string;
  result: string;
}

interface CommandMeta {
  messageId?: string;
  applicationProperties?: Record<string, unknown>;
  traceparent?: string;
}

/**
 * Carries out one command message. A command that can never succeed (invalid, naming an unknown run, conflicting
 * with the run it names, approving a gate that is not waiting) throws `CommandRejectedError`: redelivery would not
 * help, so consumers dead-letter it. Other errors (a dependency down) are worth retrying. StartRun is idempotent,
 * the run id being the message's `runId` or its `messageId`, so a redelivered or duplicated message never starts
 * a second run.
 */
export async function executeCommand(
  ports: Ports,
  client: RunsClient,
  body: unknown,
  meta: CommandMeta,
): Promise<CommandOutcome> {
  try {
    return await execute(ports, client, body, meta);
  } catch (error) {
    if (error instanceof InvalidRunRequestError)
      throw new CommandRejectedError('invalid-command', `invalid command: ${error.message}`);
    if (error instanceof RunNotFoundError) throw new CommandRejectedError('run-not-found', error.message);
    if (error instanceof RunConflictError) throw new CommandRejectedError('run-conflict', error.message);
    if (error instanceof GateNotWaitingError)
      throw new CommandRejectedError('gate-not-waiting', error.message);
    throw error;
  }
}

async function execute(
  ports: Ports,
  client: RunsClient,
  body: unknown,
  meta: CommandMeta,
): Promise<CommandOutcome> {
  const parsed = parseCommand(body, meta.applicationProperties ?? {});
  if (!parsed.ok) throw parsed.error;
  const command = parsed.command;
  const tenantId = command.tenantId ?? defaultCommandTenant;
  switch (command.type) {
    case 'StartRun': {
      try {
        checkModelConfiguration(command.options?.model ?? 'blueprint');
      } catch (error) {
        throw new CommandValidationError([{ field: 'options.model', message: (error as Error).message }]);
      }
      const runId =
        command.runId ??
        (meta.messageId ? `cmd-${meta.messageId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 56)}` : undefined);
      const { doc, created } = await startRequestedRun(ports, client, {
        tenantId,
        vision: command.vision,
        name: command.name,
        runId,
        options: parseRunOptions(command.options ?? {}),
        traceparent: meta.traceparent,
        ...(command.fromPhase ? { from: { phase: command.fromPhase, files: command.artifacts ?? [] } } : {}),
      });
      return { type: command.type, runId: doc.id, result: created ? 'started' : 'already started' };
    }
    case 'ApproveGate':
      await decideApproval(ports, client, {
        tenantId,
        runId: command.runId,
        gate: command.gate,
        decision: command.decision,
        reason: command.reason,
        by: 'service-bus',
      });
      return { type: command.type, runId: command.runId, result: command.decision };
    case 'RequestChange': {
      const { doc, created } = await startChange(ports, client, {
        tenantId,
        of: command.runId,
        request: command.request,
        runId:
          command.changeRunId ??
          (meta.messageId ? `cmd-${meta.messageId.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 56)}` : undefined),
        options: parseRunOptions(command.options ?? {}),
        traceparent: meta.traceparent,
      });
      return { type: command.type, runId: doc.id, result: created ? 'started' : 'already started' };
    }
    case 'CancelRun': {
      const doc = await cancelRun(
        ports,
        client,
        tenantId,
        command.runId,
        command.reason ?? 'cancelled by command',
      );
      return { type: command.type, runId: doc.id, result: doc.status };
    }
  }
}
