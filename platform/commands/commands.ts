import { z } from 'zod';
import { runIdPattern, runIdRule } from '../runs/runChecks';
import { checkRunSource, runSourceFields } from '../runs/runSource';

/** Service Bus Standard's message size limit; a command is a few kilobytes, a vision at most this. */
export const maxCommandBytes = 256 * 1024;

const segment = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'letters, digits and . _ : - only, up to 128 characters')
  .refine((value) => !value.includes('..'), 'must not contain ..');

const runId = z.string().regex(runIdPattern, runIdRule);

const runOptions = z
  .object({
    approvals: z.array(z.string().min(1).max(64)).max(20),
    iterations: z.number().int().min(1).max(10),
    model: z.string().min(1).max(128),
    budget: z
      .object({
        maxAgentCalls: z.number().int().positive(),
        maxTokens: z.number().int().positive(),
        maxCost: z.number().positive(),
      })
      .partial()
      .strict(),
    approvalTimeoutHours: z
      .number()
      .positive()
      .max(24 * 30),
  })
  .partial()
  .strict();

export const startRunSchema = z
  .object({
    type: z.literal('StartRun'),
    runId: runId.optional(),
    tenantId: segment.optional(),
    vision: z.string().trim().min(1, 'must not be empty').max(200_000).optional(),
    name: z.string().trim().min(1).max(200).optional(),
    options: runOptions.optional(),
    ...runSourceFields,
  })
  .strict()
  .superRefine(checkRunSource);

export const approveGateSchema = z
  .object({
    type: z.literal('ApproveGate'),
    runId,
    tenantId: segment.optional(),
    gate: z.string().min(1).max(64),
    decision: z.enum(['approve', 'reject']),
    reason: z.string().max(2000).optional(),
  })
  .strict();

export const cancelRunSchema = z
  .object({
    type: z.literal('CancelRun'),
    runId,
    tenantId: segment.optional(),
    reason: z.string().max(2000).optional(),
  })
  .strict();

/** A change to the product a completed run built: a new run, `changeRunId` if given, applies `request` to it. */
export const requestChangeSchema = z
  .object({
    type: z.literal('RequestChange'),
    runId,
    tenantId: segment.optional(),
    changeRunId: runId.optional(),
    request: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(64 * 1024),
    options: runOptions.optional(),
  })
  .strict();

export const commandSchema = z.discriminatedUnion('type', [
  startRunSchema,
  approveGateSchema,
  cancelRunSchema,
  requestChangeSchema,
]);

export type StartRunCommand = z.infer<typeof startRunSchema>;
export type ApproveGateCommand = z.infer<typeof approveGateSchema>;
export type CancelRunCommand = z.infer<typeof cancelRunSchema>;
export type RequestChangeCommand = z.infer<typeof requestChangeSchema>;
export type Command = z.infer<typeof commandSchema>;
export type CommandType = Command['type'];
export const commandTypes: readonly CommandType[] = ['StartRun', 'ApproveGate', 'CancelRun', 'RequestChange'];

export interface CommandIssue {
  /** Dotted path of the failing field (`options.iterations`), or `body` / `type` for the message itself. */
  field: string;
  message: string;
}

/**
 * A command that can never succeed as sent (redelivering it changes nothing): a consumer dead-letters it at once,
 * with `reason` as the dead-letter reason and the message as its description.
 */
export class CommandRejectedError extends Error {
  constructor(
    readonly reason: 'invalid-command' | 'run-not-found' | 'run-conflict' | 'gate-not-waiting',
    message: string,
  ) {
    super(message);
    this.name = 'CommandRejectedError';
  }
}

/** A command message that does not parse or validate. */
export class CommandValidationError extends CommandRejectedError {
  constructor(readonly issues: CommandIssue[]) {
    super(
      'invalid-command',
      `invalid command: ${issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ')}`,
    );
    this.name = 'CommandValidationError';
  }
}

export type ParseCommandResult =
  { ok: true; command: Command } | { ok: false; error: CommandValidationError };

/**
 * Parses a command message. The body is the command as JSON (object, string or bytes); the type comes from
 * the body's `type` or, failing that, the `type` application property (Service Bus subscribers filter on it).
 */
export function parseCommand(
  body: unknown,
  applicationProperties: Record<string, unknown> = {},
): ParseCommandResult {
  const fail = (...issues: CommandIssue[]): ParseCommandResult => ({
    ok: false,
    error: new CommandValidationError(issues),
  });
  let value: unknown = body;
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) value = Buffer.from(value).toString('utf8');
  if (typeof value === 'string') {
    if (Buffer.byteLength(value) > maxCommandBytes) {
      return fail({ field: 'body', message: `larger than ${maxCommandBytes} bytes` });
    }
    try {
      value = JSON.parse(value);
    } catch {
      return fail({ field: 'body', message: 'not valid JSON' });
    }
  } else if (value !== null && typeof value === 'object') {
    let size: number;
    try {
      size = Buffer.byteLength(JSON.stringify(value));
    } catch {
      return fail({ field: 'body', message: 'not serializable as JSON' });
    }
    if (size > maxCommandBytes)
      return fail({ field: 'body', message: `larger than ${maxCommandBytes} bytes` });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail({ field: 'body', message: 'expected a JSON object' });
  }
  const record = value as Record<string, unknown>;
  const propertyType = applicationProperties.type;
  const type = record.type ?? propertyType;
  if (record.type !== undefined && propertyType !== undefined && record.type !== propertyType) {
    return fail({
      field: 'type',
      message: `body says ${String(record.type)} but the message property says ${String(propertyType)}`,
    });
  }
  if (typeof type !== 'string' || !(commandTypes as readonly string[]).includes(type)) {
    return fail({
      field: 'type',
      message: `unknown command type ${JSON.stringify(type)}; expected one of ${commandTypes.join(', ')}`,
    });
  }
  const parsed = commandSchema.safeParse({ ...record, type });
  if (parsed.success) return { ok: true, command: parsed.data };
  // One entry per field, so a caller can show each failing field once.
  const byField = new Map<string, string[]>();
  for (const issue of parsed.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : 'body';
    const message =
      issue.code === 'unrecognized_keys' ? `unknown fields ${issue.keys.join(', ')}` : issue.message;
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  return fail(...[...byField].map(([field, messages]) => ({ field, message: messages.join('; ') })));
}

/** Application properties a sender sets so subscriptions and the trigger can route without parsing bodies. */
export function commandProperties(command: Command): Record<string, string> {
  return { type: command.type, ...('runId' in command && command.runId ? { runId: command.runId } : {}) };
}
