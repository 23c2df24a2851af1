import type { z } from 'zod';
import type { AgentContext } from '../../../core/agent';
import type { ArtifactKind } from '../../../core/artifactKinds';

/**
 * The newest JSON artifact of a kind. Several kinds hold a Markdown and a JSON file under the same kind (the
 * vision, the backlog), so the JSON one is picked by its extension rather than by position.
 */
export async function jsonInput<T>(ctx: AgentContext, kind: ArtifactKind, schema?: z.ZodType<T>): Promise<T> {
  const candidates = ctx.inputs(kind).filter((input) => input.ref.path.endsWith('.json'));
  if (candidates.length === 0) throw new Error(`no JSON artifact of kind '${kind}' among the inputs`);
  const value = await candidates[candidates.length - 1].json<unknown>();
  if (!schema) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`the '${kind}' artifact does not match its schema: ${issues.join('; ')}`);
  }
  return parsed.data;
}

/** Feedback items that mention any of the given words (case-insensitive), for rules that apply one kind of change. */
export function feedbackMentioning(feedback: string[], ...words: string[]): string[] {
  return feedback.filter((item) => words.some((word) => item.toLowerCase().includes(word.toLowerCase())));
}
