import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { assertSafeSegment } from '../../../core/ports/deploymentTarget';
import { writeFileAtomic } from '../../../platform/files/atomicWrite';

/**
 * User feedback on a deployed product, given with `factory feedback RUN_ID --file F` and stored under
 * `<FACTORY_HOME>/feedback/<tenant>/<runId>/`, where the Customer Success agent of the next
 * Production to Optimization phase reads it.
 */
export const feedbackEntrySchema = z.object({
  text: z.string().trim().min(1, 'text must not be empty').max(4000, 'text is longer than 4000 characters'),
  rating: z.number().int().min(1).max(5).optional(),
  user: z.string().max(200).optional(),
  at: z.string().datetime({ offset: true }).optional(),
});
export type FeedbackEntry = z.infer<typeof feedbackEntrySchema>;

const maxEntries = 5000;

/**
 * Accepts a JSON array of entries, `{ "entries": [...] }`, JSON Lines, or plain text (one entry per non-empty
 * line). Every entry is validated; the error names the entry that is wrong.
 */
export function parseFeedback(text: string, source = 'feedback'): FeedbackEntry[] {
  const trimmed = text.trim();
  if (!trimmed) throw new Error(`${source} is empty`);
  let raw: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{"entries"') || /^\{\s*"entries"/.test(trimmed)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (error) {
      throw new Error(`${source} is not valid JSON: ${(error as Error).message}`);
    }
    raw = Array.isArray(parsed) ? parsed : ((parsed as { entries?: unknown }).entries as unknown[]);
    if (!Array.isArray(raw)) throw new Error(`${source}: "entries" must be an array`);
  } else if (trimmed.startsWith('{')) {
    raw = trimmed
      .split('\n')
      .filter((l) => l.trim())
      .map((line, i) => {
        try {
          return JSON.parse(line) as unknown;
        } catch (error) {
          throw new Error(`${source} line ${i + 1} is not valid JSON: ${(error as Error).message}`);
        }
      });
  } else {
    raw = trimmed
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .map((line) => ({ text: line }));
  }
  if (raw.length > maxEntries)
    throw new Error(`${source} has ${raw.length} entries; at most ${maxEntries} are accepted`);
  return raw.map((entry, i) => {
    const parsed = feedbackEntrySchema.safeParse(entry);
    if (!parsed.success)
      throw new Error(
        `${source} entry ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.') || 'entry'} ${x.message}`).join('; ')}`,
      );
    return parsed.data;
  });
}

function folder(home: string, tenantId: string, runId: string): string {
  return resolve(
    home,
    'feedback',
    assertSafeSegment(tenantId, 'tenant id'),
    assertSafeSegment(runId, 'run id'),
  );
}

/** Stores entries as one file named by their hash: giving the same file twice stores it once. */
export async function storeFeedback(
  home: string,
  tenantId: string,
  runId: string,
  entries: FeedbackEntry[],
  receivedAt = new Date(),
): Promise<{ path: string; entries: number; duplicate: boolean }> {
  const body = JSON.stringify({ receivedAt: receivedAt.toISOString(), entries }, null, 2);
  const hash = createHash('sha256').update(JSON.stringify(entries)).digest('hex').slice(0, 16);
  const dir = folder(home, tenantId, runId);
  mkdirSync(dir, { recursive: true });
  const existing = readdirSync(dir).find((f) => f.endsWith(`-${hash}.json`));
  if (existing) return { path: join(dir, existing), entries: entries.length, duplicate: true };
  const path = join(dir, `${receivedAt.toISOString().replace(/[:.]/g, '-')}-${hash}.json`);
  await writeFileAtomic(path, body);
  return { path, entries: entries.length, duplicate: false };
}

export function loadFeedback(home: string, tenantId: string, runId: string): FeedbackEntry[] {
  const dir = folder(home, tenantId, runId);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((f) =>
      (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { entries: unknown[] }).entries.map((e) =>
        feedbackEntrySchema.parse(e),
      ),
    );
}
