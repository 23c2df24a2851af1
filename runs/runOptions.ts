import { z } from 'zod';
import { approvalGates } from '../core/phases';
import type { RunOptions } from '../core/ports/runStore';

/** Limits on what a person may ask for in one run. */
export const maxVisionBytes = 64 * 1024;
export const maxIterations = 5;

/** The model of a run whose request names none: FACTORY_MODEL (`azure-openai` in Azure), else the blueprint. */
export const defaultModel = (): string => process.env.FACTORY_MODEL?.trim() || 'blueprint';

export const runOptionsSchema = z
  .object({
    approvals: z
      .array(z.enum(approvalGates as [string, ...string[]]))
      .max(approvalGates.length)
      .default([]),
    iterations: z.number().int().min(1).max(maxIterations).default(1),
    model: z.string().min(1).max(40).default(defaultModel),
    budget: z
      .object({
        maxAgentCalls: z.number().int().positive().optional(),
        maxTokens: z.number().int().positive().optional(),
        maxCost: z.number().positive().optional(),
      })
      .strict()
      .optional(),
    approvalTimeoutHours: z
      .number()
      .positive()
      .max(24 * 30)
      .optional(),
    maxReworks: z.number().int().min(0).max(10).optional(),
  })
  .strict();

export type RunOptionsInput = z.input<typeof runOptionsSchema>;

export function parseRunOptions(input: unknown): RunOptions {
  return runOptionsSchema.parse(input ?? {}) as RunOptions;
}
