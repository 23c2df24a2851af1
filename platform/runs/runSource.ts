import { z } from 'zod';

/*
 * Where a run starts, as every entry point (HTTP, Service Bus) accepts it: a vision, or a phase and the artifacts a
 * person gives in place of the earlier phases' outputs (the vision is then optional).
 */

export const maxGivenFiles = 100;
/** JSON-escaped, with the vision and the rest of a request, under the 1 MB a request body may have on `factory serve`. */
export const maxGivenBytes = 448 * 1024;

export const runSourceFields = {
  /** Start at this phase on `artifacts`. */
  fromPhase: z.string().min(1).max(60).optional(),
  artifacts: z
    .array(z.object({ path: z.string().min(1).max(300), content: z.string() }).strict())
    .max(maxGivenFiles)
    .optional(),
};

/** A vision, or `fromPhase` with `artifacts`: each missing half is named. */
export function checkRunSource(
  body: { vision?: unknown; fromPhase?: unknown; artifacts?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (body.fromPhase !== undefined && body.artifacts === undefined)
    ctx.addIssue({ code: 'custom', path: ['artifacts'], message: 'required with fromPhase' });
  if (body.artifacts !== undefined && body.fromPhase === undefined)
    ctx.addIssue({ code: 'custom', path: ['fromPhase'], message: 'required with artifacts' });
  if (body.vision === undefined && body.fromPhase === undefined)
    ctx.addIssue({ code: 'custom', path: ['vision'], message: 'required' });
}
