import { z } from 'zod';
import { removeAttributePattern, removeEntityPattern } from '../vision/feedback';
import { splitFrontMatter } from '../vision/markdown';

/** A change request the factory cannot read: the message says what to fix. */
export class ChangeRequestError extends Error {
  override name = 'ChangeRequestError';
}

/** What a change request may say in its front matter, besides its text. */
export const changeTermsSchema = z
  .object({
    /** The change may lose data: drop tables or columns, narrow rules rows written before may break. */
    allowDataLoss: z.boolean().optional(),
    /** What rows written before hold for a new required attribute, per `Entity.attribute`. */
    backfill: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String))
      .superRefine((values, check) => {
        for (const key of Object.keys(values))
          if (!/^[A-Z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/.test(key))
            check.addIssue({
              code: 'custom',
              path: [key],
              message: 'a backfill key is Entity.attribute, e.g. Tool.purchasedOn',
            });
      })
      .optional(),
  })
  .strict();

export type ChangeTerms = z.infer<typeof changeTermsSchema>;

/** A line of a change request that removes something the product has ("Remove the attribute condition of Tool."). */
const isInstruction = (line: string) => removeEntityPattern.test(line) || removeAttributePattern.test(line);

/**
 * The change request's terms, its text, the removals it asks for (a line each) and the rest of its text (what the
 * product gains, read like the vision); a clear error for front matter that is not valid terms.
 */
export function readChangeRequest(text: string): {
  terms: ChangeTerms;
  body: string;
  removals: string[];
  prose: string;
} {
  let split: { data: Record<string, unknown>; body: string };
  try {
    split = splitFrontMatter(text);
  } catch (error) {
    throw new ChangeRequestError((error as Error).message.replace("the vision's", "the change request's"));
  }
  const terms = changeTermsSchema.safeParse(split.data);
  if (!terms.success)
    throw new ChangeRequestError(
      `the change request's front matter: ${terms.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  const body = split.body.trim();
  if (!body) throw new ChangeRequestError('the change request says nothing');
  const lines = body.split('\n');
  return {
    terms: terms.data,
    body,
    removals: lines.filter(isInstruction).map((line) => line.replace(/^\s*[-*]\s+/, '').trim()),
    prose: lines
      .filter((line) => !isInstruction(line))
      .join('\n')
      .trim(),
  };
}
